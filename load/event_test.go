package load

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

func TestEventRoundTrip(t *testing.T) {
	id := orders.Identity{Run: "run-1", Env: "prod"}
	intended := time.UnixMicro(1_700_000_000_123_456)
	sent := intended.Add(3 * time.Millisecond)
	var b eventBuf
	o := orderEvent{order: orders.OrderID(3, 42), merchant: 7, step: ledger.StepPaid}
	b.fill(id, "orders", 3, 99, o, orders.KeyOrder, intended, sent, 128)
	if len(b.rec.Value) != 128 {
		t.Errorf("value is %d bytes, want 128", len(b.rec.Value))
	}
	b.rec.Partition, b.rec.Offset = 2, 77
	var e ledger.Event
	if err := id.Decode(&b.rec, &e); err != nil {
		t.Fatal(err)
	}
	want := ledger.Event{Run: "run-1", Env: "prod", Producer: 3, Seq: 99, Order: orders.OrderID(3, 42),
		Step: ledger.StepPaid, Partition: 2, Offset: 77, Intended: intended, Sent: sent}
	if e != want {
		t.Errorf("decoded %+v\nwant    %+v", e, want)
	}
	if string(b.rec.Key) != "3298534883370" { // 3<<40 | 42
		t.Errorf("key %q", b.rec.Key)
	}
}

func TestDecodeRefusesForeignRecords(t *testing.T) {
	id := orders.Identity{Run: "r", Env: "prod"}
	var e ledger.Event
	if err := id.Decode(&kgo.Record{Value: []byte("hello")}, &e); err == nil {
		t.Error("a record without identity headers decoded")
	}
	bad := &kgo.Record{Headers: []kgo.RecordHeader{{Key: orders.HeaderRun, Value: []byte("r")}, {Key: orders.HeaderSeq, Value: []byte("12x")}}}
	if err := id.Decode(bad, &e); err == nil {
		t.Error("a malformed seq header decoded")
	}
	other := &kgo.Record{Headers: []kgo.RecordHeader{{Key: orders.HeaderRun, Value: []byte("other")}}}
	if err := id.Decode(other, &e); err != nil || e.Run != "other" {
		t.Errorf("another run's record must decode with its run id: %v %+v", err, e)
	}
}

// The send path and the decode path must not allocate per record.
func TestSendAndDecodeDoNotAllocate(t *testing.T) {
	id := orders.Identity{Run: "run-1", Env: "prod"}
	g := newOrderGen(1, 0, 100)
	b := &eventBuf{value: make([]byte, 0, 300)}
	now := time.Now()
	var e ledger.Event
	allocs := testing.AllocsPerRun(1000, func() {
		b.fill(id, "orders", 0, 1, g.nextEvent(), orders.KeyOrder, now, now, 256)
		if err := id.Decode(&b.rec, &e); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("fill+decode allocate %.1f times per record", allocs)
	}
}

func TestOrdersGoThroughTheirLifecycle(t *testing.T) {
	g := newOrderGen(42, 1, 10)
	last := map[uint64]ledger.Step{}
	finished := 0
	for i := 0; i < 100000; i++ {
		ev := g.nextEvent()
		prev := last[ev.order]
		if ev.step.Rank() != prev.Rank()+1 {
			t.Fatalf("order %d went %s → %s", ev.order, prev, ev.step)
		}
		if ev.merchant < 1 || ev.merchant > 10 {
			t.Fatalf("merchant %d out of range", ev.merchant)
		}
		if ev.order>>40 != 1 {
			t.Fatalf("order id %d does not carry producer 1", ev.order)
		}
		last[ev.order] = ev.step
		if ev.step.Final() {
			finished++
		}
	}
	if finished < 30000 {
		t.Errorf("only %d orders finished", finished)
	}
	// Same seed, same sequence.
	a, b := newOrderGen(7, 0, 10), newOrderGen(7, 0, 10)
	for i := 0; i < 1000; i++ {
		if a.nextEvent() != b.nextEvent() {
			t.Fatal("the generator is not deterministic for a seed")
		}
	}
}

func BenchmarkFill(b *testing.B) {
	id := orders.Identity{Run: "run-1", Env: "prod"}
	g := newOrderGen(1, 0, 100)
	buf := &eventBuf{value: make([]byte, 0, 300)}
	now := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf.fill(id, "orders", 0, uint64(i), g.nextEvent(), orders.KeyOrder, now, now, 256)
	}
}
