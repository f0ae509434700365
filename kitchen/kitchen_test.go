package kitchen

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/kitchendb/kitchendbtest"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/orderservice"
)

// journal records what the kitchen reports, in order.
type journal struct {
	mu       sync.Mutex
	lines    []string
	failures []string
}

func (j *journal) add(s string) { j.mu.Lock(); j.lines = append(j.lines, s); j.mu.Unlock() }
func (j *journal) Processed(e *ledger.Event, _ time.Time) {
	j.add("processed " + e.Step.String())
}
func (j *journal) Diverted(e *ledger.Event, how ledger.Diversion) {
	j.add(how.String() + " " + e.Step.String())
}
func (j *journal) Parked(e *ledger.Event)                                  { j.add("parked " + e.Step.String()) }
func (j *journal) OwnershipChanged(time.Time, int, string, int32, []int32) {}

func (j *journal) Failing(_ *ledger.Event, err error, _ int, _ time.Time) {
	j.mu.Lock()
	j.failures = append(j.failures, err.Error())
	j.mu.Unlock()
}
func (j *journal) got() []string { j.mu.Lock(); defer j.mu.Unlock(); return slices.Clone(j.lines) }

func newKitchen(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB, mode string, spec ConsumeSpec) (*kitchen, *journal, kitchendb.KitchenDB) {
	t.Helper()
	db := open(t, mode)
	spec.Identity = orders.Identity{Run: "r", Env: "prod"}
	if spec.OnFailure == nil {
		spec.OnFailure = Block // as StartGroup does
	}
	spec.MaxAttempts = max(spec.MaxAttempts, 1)
	spec.RetryBackoff = 10 * time.Millisecond
	j := &journal{}
	return &kitchen{spec: spec, db: db, out: j, errs: clientconf.NewErrorTally()}, j, db
}

// step is order's event with a valid payload.
func step(order uint64, s ledger.Step, seq uint64) *item {
	rec := &kgo.Record{Value: []byte(`{"order":` + itoa(order) + `,"step":"` + s.String() + `"}`)}
	return &item{e: ledger.Event{Run: "r", Env: "prod", Order: order, Step: s, Seq: seq, Offset: int64(seq)}, rec: rec}
}

func itoa(n uint64) string { return string(appendUint(nil, n)) }

func appendUint(b []byte, n uint64) []byte {
	if n >= 10 {
		b = appendUint(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func poisoned(it *item) *item { it.rec.Value = []byte{0xde, 0xad}; return it }

// testMember is a group member for kitchen tests: dead-letters go to dlq
// (none: an error), forwards are counted.
type testMember struct {
	dlq       func(*item, error, int) error
	mu        sync.Mutex
	forwarded []ledger.ID
}

func (m *testMember) deadLetter(it *item, cause error, attempts int) error {
	if m.dlq == nil {
		return errors.New("no dead-letter topic here")
	}
	return m.dlq(it, cause, attempts)
}

func (m *testMember) forward(it *item) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forwarded = append(m.forwarded, ledger.ID{Producer: it.e.Producer, Seq: it.e.Seq})
}

var noDLQ = &testMember{}

func TestValueMatches(t *testing.T) {
	for v, ok := range map[string]bool{
		`{"order":12,"step":"paid"}`: true, `{"order":12}`: true, `{"order":123,"step":"paid"}`: false,
		`{"order":1`: false, "\xde\xad": false, ``: false, `{"order":12x`: false,
	} {
		if valueMatches([]byte(v), 12) != ok {
			t.Errorf("valueMatches(%q, 12) = %v", v, !ok)
		}
	}
}

// Seed 000: a redelivered first event violates the key of a plain INSERT;
// block retries it until the member stops, and reports each failure.
func TestBlockRetriesInPlaceUntilStopped(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		k, j, _ := newKitchen(t, open, kitchendb.ModeInsert, ConsumeSpec{OnFailure: Block})
		ctx := context.Background()
		if !k.handle(ctx, ctx, step(1, ledger.StepCreated, 0), noDLQ) {
			t.Fatal("first insert failed")
		}
		stopping, stop := context.WithCancel(ctx)
		time.AfterFunc(150*time.Millisecond, stop)
		if k.handle(ctx, stopping, step(1, ledger.StepCreated, 0), noDLQ) {
			t.Fatal("a redelivered insert was handled; want it abandoned at the stop")
		}
		// SQLite's and PostgreSQL's words for it.
		if len(j.failures) < 3 || !strings.Contains(j.failures[0], "UNIQUE constraint failed") &&
			!strings.Contains(j.failures[0], "duplicate key value violates unique constraint") {
			t.Errorf("failures %q: want several primary-key violations", j.failures)
		}
		if got := j.got(); !slices.Equal(got, []string{"processed created"}) {
			t.Errorf("journal %q", got)
		}
	})
}

// Upsert makes the same redelivery harmless (the fix).
func TestUpsertRewritesRedelivery(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		k, j, db := newKitchen(t, open, kitchendb.ModeUpsert, ConsumeSpec{OnFailure: Block})
		ctx := context.Background()
		for range 2 {
			if !k.handle(ctx, ctx, step(1, ledger.StepCreated, 0), noDLQ) {
				t.Fatal("upsert failed")
			}
		}
		if r := kitchendbtest.Rows(t, db)[1]; r.Step != ledger.StepCreated || r.Dishes != orders.Dishes(1) || len(j.failures) > 0 {
			t.Errorf("row %+v, failures %q", r, j.failures)
		}
	})
}

// In insert mode a later step of an order without a row changes nothing:
// the kitchen never shows the order (seed 001).
func TestInsertModeUpdateWithoutRow(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		k, _, db := newKitchen(t, open, kitchendb.ModeInsert, ConsumeSpec{})
		ctx := context.Background()
		k.handle(ctx, ctx, step(5, ledger.StepPaid, 1), noDLQ)
		if _, ok := kitchendbtest.Rows(t, db)[5]; ok {
			t.Error("an UPDATE created a row")
		}
	})
}

func TestSkipDivertsAndGoesOn(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		k, j, _ := newKitchen(t, open, kitchendb.ModeUpsert, ConsumeSpec{OnFailure: Skip})
		ctx := context.Background()
		if !k.handle(ctx, ctx, poisoned(step(1, ledger.StepCreated, 0)), noDLQ) {
			t.Fatal("skip did not go on")
		}
		if got := j.got(); !slices.Equal(got, []string{"skipped created"}) {
			t.Errorf("journal %q", got)
		}
	})
}

func TestDeadLetterAfterMaxAttempts(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		k, j, _ := newKitchen(t, open, kitchendb.ModeUpsert, ConsumeSpec{OnFailure: DeadLetter, MaxAttempts: 3})
		var published []int
		dlq := func(it *item, err error, attempts int) error {
			if len(published) == 0 && attempts == 3 {
				published = append(published, attempts)
				return errors.New("broker busy") // the publish itself is retried
			}
			published = append(published, attempts)
			return nil
		}
		ctx := context.Background()
		if !k.handle(ctx, ctx, poisoned(step(1, ledger.StepCreated, 0)), &testMember{dlq: dlq}) {
			t.Fatal("dead-letter did not go on")
		}
		if len(j.failures) != 3 || !slices.Equal(published, []int{3, 3}) {
			t.Errorf("%d failures, publishes %v: want 3 tries, then a retried publish", len(j.failures), published)
		}
		if got := j.got(); !slices.Equal(got, []string{"dead-lettered created"}) {
			t.Errorf("journal %q", got)
		}
	})
}

func TestDeadLetterRecordCarriesItsOrigin(t *testing.T) {
	rec := &kgo.Record{Key: []byte("7"), Value: []byte("v"), Partition: 3, Offset: 42,
		Headers: []kgo.RecordHeader{{Key: orders.HeaderRun, Value: []byte("r")}}}
	d := deadLetterRecord("orders.dlq", rec, errUndecodable, 3)
	want := map[string]string{orders.HeaderRun: "r", HeaderDLQPartition: "3", HeaderDLQOffset: "42",
		HeaderDLQError: "undecodable payload", HeaderDLQAttempts: "3"}
	got := map[string]string{}
	for _, h := range d.Headers {
		got[h.Key] = string(h.Value)
	}
	if d.Topic != "orders.dlq" || string(d.Key) != "7" || string(d.Value) != "v" || len(got) != len(want) {
		t.Fatalf("record %+v", d)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("header %s = %q, want %q", k, got[k], v)
		}
	}
}

// Seed 001's fix: a lookup inside the replica lag parks the event and the
// order's later events behind it; the retrier applies them in order once
// the replica has caught up.
func TestRetryTableParksBehindAndAppliesInOrder(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		svc, err := orderservice.StartOrderService(orderservice.ServiceSpec{ReplicaLag: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		lk := orderservice.NewLookup(svc.Addr(), time.Second)
		defer lk.Close()
		k, j, db := newKitchen(t, open, kitchendb.ModeInsert, ConsumeSpec{OnFailure: RetryTable, MaxAttempts: 10, Lookup: lk, RetryEmpty: true})
		svc.Written(9, time.Now())
		ctx := context.Background()
		for i, s := range []ledger.Step{ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted} {
			if !k.handle(ctx, ctx, step(9, s, uint64(i)), noDLQ) {
				t.Fatal("not handled")
			}
		}
		r := startRetrier(k)
		deadline := time.Now().Add(5 * time.Second)
		for k.parked.total() > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		r.close()
		want := []string{"parked created", "parked paid", "parked completed", "processed created", "processed paid", "processed completed"}
		if got := j.got(); !slices.Equal(got, want) {
			t.Errorf("journal %q\nwant    %q", got, want)
		}
		if row := kitchendbtest.Rows(t, db)[9]; row.Step != ledger.StepCompleted || row.Dishes != orders.Dishes(9) {
			t.Errorf("row %+v", row)
		}
	})
}

// After max_attempts the retrier gives the order up: its events are
// diverted and the order is marked failed.
func TestRetryTableGivesUp(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		svc, err := orderservice.StartOrderService(orderservice.ServiceSpec{})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		lk := orderservice.NewLookup(svc.Addr(), time.Second)
		defer lk.Close()
		k, j, db := newKitchen(t, open, kitchendb.ModeUpsert, ConsumeSpec{OnFailure: RetryTable, MaxAttempts: 2, Lookup: lk})
		svc.Written(4, time.Now())
		svc.Reject(4)
		ctx := context.Background()
		k.handle(ctx, ctx, step(4, ledger.StepCreated, 0), noDLQ)
		k.handle(ctx, ctx, step(4, ledger.StepPaid, 1), noDLQ)
		r := startRetrier(k)
		deadline := time.Now().Add(5 * time.Second)
		for k.parked.total() > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		r.close()
		want := []string{"parked created", "parked paid", "given up created", "given up paid"}
		if got := j.got(); !slices.Equal(got, want) {
			t.Errorf("journal %q\nwant    %q", got, want)
		}
		if row := kitchendbtest.Rows(t, db)[4]; !row.Failed {
			t.Errorf("order not marked failed: %+v", row)
		}
	})
}
