package assertions

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

func TestCounts(t *testing.T) {
	h := newHistory(Criteria{})
	h.flow(0, 0, 8, 0)
	late := event(0, 8)
	late.Sent = late.Intended.Add(11 * time.Millisecond)
	e := h.acked(late, 1)
	h.l.Processed(&e, at(2))
	h.l.Processed(&e, at(2)) // duplicate
	h.l.Failed(ledger.ID{Producer: 0, Seq: 9}, at(1), at(1).Add(time.Second), at(3))
	u := h.write(event(0, 10), 1) // unknown, but written and processed
	h.l.Unknown(ledger.ID{Producer: 0, Seq: 10}, at(1), at(1), at(3))
	h.l.Processed(&u, at(2))
	h.l.Unknown(ledger.ID{Producer: 0, Seq: 11}, at(1), at(1), at(3)) // unknown, not written
	h.write(h.log[0][0], 0)                                           // log duplicate
	other := event(0, 1)
	other.Run = "run-0"
	h.l.Processed(&other, at(2))
	h.l.DrainedForeign(0, 99, "garbage")
	r := h.finish()

	want := ledger.Counts{
		Sent: 12, Acked: 9, Failed: 1, Unknown: 2, Late: 2,
		Processed: 10, InLog: 10, LostUnconfirmed: 1,
		Unexpected: 2, Duplicates: 1, LogDuplicate: 1,
	}
	if r.Counts != want {
		t.Errorf("counts = %+v\nwant     %+v", r.Counts, want)
	}
	if again := Verify(h.l, h.crit); again.Counts != r.Counts || !reflect.DeepEqual(again.Verdicts, r.Verdicts) ||
		!reflect.DeepEqual(again.Lag, r.Lag) {
		t.Errorf("a second Verify judged differently")
	}
}

func TestLatencyHistograms(t *testing.T) {
	l := NewLedger(testRun, testEnv, t0, Criteria{})
	l.Acked(ledger.ID{Producer: 0, Seq: 0}, 0, 0, at(1), at(1), at(1).Add(5*time.Millisecond))
	l.Acked(ledger.ID{Producer: 0, Seq: 1}, 0, 1, at(1), at(1), at(0))                  // clock skew: clamped to 1µs
	l.Acked(ledger.ID{Producer: 0, Seq: 2}, 0, 2, at(1), at(1), at(1).Add(2*time.Hour)) // beyond range: clamped to 1h
	e := event(0, 0)
	e.Sent = e.Intended.Add(time.Millisecond)
	l.Processed(&e, e.Intended.Add(11*time.Millisecond))
	l.Processed(&e, e.Intended.Add(time.Second)) // duplicate: not a latency
	r := Verify(l, Criteria{})

	ack := r.Latency["produce_ack"]
	if ack.TotalCount() != 3 || ack.Min() != 1 || !ack.ValuesAreEquivalent(ack.Max(), time.Hour.Microseconds()) ||
		!ack.ValuesAreEquivalent(ack.ValueAtQuantile(50), 5000) {
		t.Errorf("produce_ack: n=%d min=%d p50=%d max=%d", ack.TotalCount(), ack.Min(), ack.ValueAtQuantile(50), ack.Max())
	}
	for key, us := range map[string]int64{"e2e_from_intended": 11000, "e2e_from_sent": 10000} {
		h := r.Latency[key]
		if h.TotalCount() != 1 || !h.ValuesAreEquivalent(h.Max(), us) {
			t.Errorf("%s: n=%d max=%d, want 1 value of %dµs", key, h.TotalCount(), h.Max(), us)
		}
	}
}

// TestConcurrentUse drives every side at once; run it with -race.
func TestConcurrentUse(t *testing.T) {
	const producers, perProducer, parts = 4, 2000, 4
	l := NewLedger(testRun, testEnv, t0, Criteria{})
	l.ProduceStopped(at(0)) // the sampler's fake clock starts here
	events := make(chan ledger.Event, 256)
	var offsets [parts]int64
	var offMu sync.Mutex
	var wg sync.WaitGroup
	for p := range uint32(producers) {
		wg.Go(func() {
			for seq := range uint64(perProducer) {
				e := event(p, seq)
				e.Partition = int32(seq % parts)
				offMu.Lock()
				e.Offset = offsets[e.Partition]
				offsets[e.Partition]++
				offMu.Unlock()
				l.Acked(ledger.ID{Producer: p, Seq: seq}, e.Partition, e.Offset, e.Intended, e.Sent, at(2))
				events <- e
			}
		})
	}
	var consumers sync.WaitGroup
	for range 3 {
		consumers.Go(func() {
			for e := range events {
				l.Processed(&e, at(3))
			}
		})
	}
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			l.SampleLag(at(float64(i)/4), int32(i%parts), int64(i), int64(i))
		}
	})
	wg.Wait()
	close(events)
	consumers.Wait()
	close(stop)
	sampler.Wait()
	l.SampleLag(at(0), 0, 0, 0) // one sample surely after the stop
	l.SinkRead()                // no orders: the events carry no order id

	r := Verify(l, Criteria{})
	if r.Counts.Acked != producers*perProducer || r.Counts.Processed != producers*perProducer {
		t.Fatalf("counts = %+v", r.Counts)
	}
	if got := r.Failing(); len(got) != 1 || got[0] != "no-kafka-loss" { // nothing was drained
		t.Fatalf("failing = %v", got)
	}
}
