package load

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// outcomeLog records every send's outcome and how long after its send it came.
type outcomeLog struct {
	mu                     sync.Mutex
	acked, failed, unknown int
	slowest                time.Duration // longest wait for an outcome
	seen                   map[ledger.ID]int
}

func (o *outcomeLog) note(id ledger.ID, sent, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen == nil {
		o.seen = map[ledger.ID]int{}
	}
	o.seen[id]++
	o.slowest = max(o.slowest, now.Sub(sent))
}

func (o *outcomeLog) Acked(id ledger.ID, _ int32, _ int64, _, sent, now time.Time) {
	o.note(id, sent, now)
	o.mu.Lock()
	o.acked++
	o.mu.Unlock()
}
func (o *outcomeLog) Failed(id ledger.ID, _, sent, now time.Time) {
	o.note(id, sent, now)
	o.mu.Lock()
	o.failed++
	o.mu.Unlock()
}
func (o *outcomeLog) Unknown(id ledger.ID, _, sent, now time.Time) {
	o.note(id, sent, now)
	o.mu.Lock()
	o.unknown++
	o.mu.Unlock()
}
func (o *outcomeLog) Aborted(id ledger.ID, _, sent, now time.Time) { o.note(id, sent, now) }
func (o *outcomeLog) Poisoned(ledger.ID, uint64, bool)             {}
func (o *outcomeLog) PhaseBegins(uint32, uint64, int, time.Time)   {}
func (o *outcomeLog) PhaseEnds(uint32, int, time.Time)             {}

// produceThenLoseCluster sends for run, closing the only broker after cut.
func produceThenLoseCluster(t *testing.T, settings []clientconf.Setting, cut, run time.Duration) (*outcomeLog, ProduceStats) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, bad := clientconf.ProducerOptions(settings)
	if bad != nil {
		t.Fatal(bad)
	}
	go func() { time.Sleep(cut); c.Close() }()
	out := &outcomeLog{}
	stats, err := Produce(context.Background(), kafkaconn.Local(c.ListenAddrs()), ProduceSpec{Topic: "orders", Rate: 500,
		Producers: 1, Duration: run, Key: orders.KeyOrder, Merchants: 10, MessageSize: 100, Seed: 1,
		Identity: orders.Identity{Run: "r", Env: "prod"}, Config: cfg, FlushTimeout: 10 * time.Second}, out)
	if err != nil {
		t.Fatal(err)
	}
	return out, stats
}

// With no broker left, a send not acked within delivery.timeout.ms fails
// then (as unknown: franz-go may still hold it), as the Java client's does,
// not when the flush gives up; every send has exactly one outcome.
func TestDeliveryTimeoutWithNoBroker(t *testing.T) {
	out, stats := produceThenLoseCluster(t, []clientconf.Setting{{Key: "delivery.timeout.ms", Value: "1500"}, {Key: "request.timeout.ms", Value: "1000"}},
		500*time.Millisecond, 1500*time.Millisecond)
	if out.acked == 0 || out.unknown == 0 {
		t.Fatalf("acked %d, unknown %d: want both", out.acked, out.unknown)
	}
	if out.slowest > 2500*time.Millisecond {
		t.Errorf("an outcome came %v after its send; delivery.timeout.ms is 1.5s", out.slowest)
	}
	for id, n := range out.seen {
		if n != 1 {
			t.Fatalf("%v has %d outcomes", id, n)
		}
	}
	if len(out.seen) != 750 {
		t.Errorf("%d sends have an outcome, want 750", len(out.seen))
	}
	if stats.Errors[errDeliveryTimeout.Error()] == 0 {
		t.Errorf("no delivery-timeout error counted: %v", stats.Errors)
	}
}

// A full buffer blocks a send for max.block.ms, then fails it unsent.
func TestMaxBlockFailsSendsOnAFullBuffer(t *testing.T) {
	out, stats := produceThenLoseCluster(t, []clientconf.Setting{{Key: "buffer.memory", Value: "20000"}, {Key: "max.block.ms", Value: "5"},
		{Key: "delivery.timeout.ms", Value: "2000"}, {Key: "request.timeout.ms", Value: "1000"}}, 200*time.Millisecond, 1500*time.Millisecond)
	if out.failed == 0 || stats.Errors[errBufferExhausted.Error()] == 0 {
		t.Fatalf("failed %d, errors %v: want sends failed on the full buffer", out.failed, stats.Errors)
	}
	if len(out.seen) != 750 {
		t.Errorf("%d sends have an outcome, want 750", len(out.seen))
	}
}

// Arming a send's clock and settling it are on the send path: no allocation.
func TestExpiryDoesNotAllocate(t *testing.T) {
	p := &producer{errs: clientconf.NewErrorTally(), out: &outcomeLog{}}
	e := &expiry{timeout: time.Hour, p: p, ring: make([]pending, 1024)}
	b := &eventBuf{}
	seq := uint64(0)
	if n := testing.AllocsPerRun(1000, func() {
		seq++
		b.id = ledger.ID{Seq: seq}
		e.arm(b)
		if !e.settle(b) {
			t.Fatal("a fresh send did not settle")
		}
		e.expire(time.Now()) // drops the settled entry
	}); n != 0 {
		t.Errorf("arm+settle allocate %v times per send", n)
	}
}
