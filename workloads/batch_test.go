package workloads

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

func TestLastPerOrderKeepsEachOrdersLastWriteInOrder(t *testing.T) {
	ev := func(order uint64, s ledger.Step) *ledger.Event {
		return &ledger.Event{Order: order, Step: s}
	}
	ws := []Write{{ev(1, ledger.StepCreated), 1}, {ev(2, ledger.StepCreated), 1}, {ev(1, ledger.StepPaid), 2}, {ev(3, ledger.StepCreated), 1}}
	got := lastPerOrder(ws)
	var ids []string
	for _, w := range got {
		ids = append(ids, itoa(w.Event.Order)+":"+w.Event.Step.String())
	}
	if want := []string{"2:created", "1:paid", "3:created"}; !slices.Equal(ids, want) {
		t.Errorf("got %v, want %v", ids, want)
	}
}

func TestApplyBatchWritesEveryOrderAtItsLastStep(t *testing.T) {
	eachSink(t, func(t *testing.T, open func(*testing.T, string) KitchenDB) {
		db := open(t, ModeUpsert)
		ctx := context.Background()
		var ws []Write
		for order := uint64(1); order <= 300; order++ {
			ws = append(ws, Write{&ledger.Event{Order: order, Step: ledger.StepCreated, Offset: int64(order)}, Dishes(order)})
		}
		// Later steps of some orders in the same batch, and in a second one.
		ws = append(ws, Write{&ledger.Event{Order: 7, Step: ledger.StepPaid}, Dishes(7)})
		if err := db.ApplyBatch(ctx, ws); err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyBatch(ctx, []Write{{&ledger.Event{Order: 7, Step: ledger.StepCompleted}, Dishes(7)}, {&ledger.Event{Order: 8, Step: ledger.StepCancelled}, 0}}); err != nil {
			t.Fatal(err)
		}
		got := rows(t, db)
		if len(got) != 300 || got[7].Step != ledger.StepCompleted || got[8].Step != ledger.StepCancelled || got[8].Dishes != 0 ||
			got[300].Step != ledger.StepCreated || got[300].Dishes != Dishes(300) {
			t.Errorf("%d rows; 7: %+v, 8: %+v, 300: %+v", len(got), got[7], got[8], got[300])
		}
		if err := open(t, ModeInsert).ApplyBatch(ctx, ws[:1]); err == nil || !strings.Contains(err.Error(), "upsert") {
			t.Errorf("insert mode batched: %v, want refused", err)
		}
	})
}

// failingBatches fails the first n batched writes, as a database that is
// away does, and passes everything else through.
type failingBatches struct {
	KitchenDB
	n atomic.Int64
}

func (f *failingBatches) ApplyBatch(ctx context.Context, ws []Write) error {
	if f.n.Add(-1) >= 0 {
		return errors.New("connection refused")
	}
	return f.KitchenDB.ApplyBatch(ctx, ws)
}

// A poison record in the middle of a batch is handled under its policy
// in its turn; the rows before and after it are written together.
func TestHandleBatchHandlesAFailureInItsTurn(t *testing.T) {
	eachSink(t, func(t *testing.T, open func(*testing.T, string) KitchenDB) {
		k, j, db := newKitchen(t, open, ModeUpsert, ConsumeSpec{OnFailure: OnFailureSkip})
		ctx := context.Background()
		its := []*item{step(1, ledger.StepCreated, 0), step(2, ledger.StepCreated, 1),
			poisoned(step(3, ledger.StepCreated, 2)), step(1, ledger.StepPaid, 3)}
		if !k.handleBatch(ctx, ctx, its, noDLQ) {
			t.Fatal("abandoned")
		}
		want := []string{"processed created", "processed created", "skipped created", "processed paid"}
		if got := j.got(); !slices.Equal(got, want) {
			t.Errorf("journal %q, want %q", got, want)
		}
		r := rows(t, db)
		if len(r) != 2 || r[1].Step != ledger.StepPaid {
			t.Errorf("rows %+v", r)
		}
		if w := k.writes.snapshot(); w.Statements != 2 || w.Rows != 3 || w.Latency.TotalCount() != 2 {
			t.Errorf("writes: %d statements, %d rows, %d timed; want 2, 3, 2", w.Statements, w.Rows, w.Latency.TotalCount())
		}
	})
}

// A batched write that fails is counted once; its events are then written
// one by one under the policy: once the database answers again they land
// without a failure of their own.
func TestHandleBatchRetriesAFailedWriteOneByOne(t *testing.T) {
	eachSink(t, func(t *testing.T, open func(*testing.T, string) KitchenDB) {
		k, j, db := newKitchen(t, open, ModeUpsert, ConsumeSpec{OnFailure: OnFailureSkip})
		fb := &failingBatches{KitchenDB: db}
		fb.n.Store(1)
		k.db = fb
		ctx := context.Background()
		its := []*item{step(1, ledger.StepCreated, 0), step(2, ledger.StepCreated, 1)}
		if !k.handleBatch(ctx, ctx, its, noDLQ) {
			t.Fatal("abandoned")
		}
		if got := j.got(); !slices.Equal(got, []string{"processed created", "processed created"}) || len(j.failures) != 0 {
			t.Errorf("journal %q, failures %q: a skip policy must not divert events the database took on their own", got, j.failures)
		}
		if errs := k.errs.snapshot(); len(errs) != 1 || errs["sink: batch of 2: connection refused"] != 1 {
			t.Errorf("error tally %v", errs)
		}
		if len(rows(t, db)) != 2 {
			t.Errorf("rows %+v", rows(t, db))
		}
	})
}

// db-lock's lock really holds the kitchen's writes until it is released.
func TestPostgresLockTableHoldsWrites(t *testing.T) {
	pg, err := postgresForTests()
	if err != nil {
		if os.Getenv("CHAOSRUN_POSTGRES") == "required" {
			t.Fatalf("CHAOSRUN_POSTGRES=required: %v", err)
		}
		t.Skipf("no PostgreSQL here: %v", err)
	}
	db, err := OpenPostgres(context.Background(), pg.URL("kitchen"), "", fmt.Sprintf("t%d", testPG.next.Add(1)), ModeUpsert, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.LockTable(ctx, "orders", "EXCLUSIVE; DROP TABLE orders"); err == nil {
		t.Fatal("a mode outside LOCK TABLE's was taken")
	}
	release, err := db.LockTable(ctx, "orders", "EXCLUSIVE")
	if err != nil {
		t.Fatal(err)
	}
	e := &ledger.Event{Order: 1, Step: ledger.StepCreated}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err = db.Apply(short, e, 1)
	cancel()
	if err == nil {
		t.Fatal("a write went through the lock")
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := db.Apply(ctx, e, 1); err != nil {
		t.Fatalf("write after the release: %v", err)
	}
}
