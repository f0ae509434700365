package assertions

import (
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

func TestPhasesSplitTheRun(t *testing.T) {
	h := newHistory(Criteria{})
	h.l.DeclarePhases([]ledger.PhaseDecl{{Name: "1: steady"}, {Name: "2: flood", Flood: 5}}, 1)
	h.l.PhaseBegins(0, 0, 0, at(0))
	for seq := uint64(0); seq < 10; seq++ {
		h.now = at(1 + float64(seq)*0.1)
		e := h.acked(event(0, seq), 0)
		h.l.Processed(&e, at(1.5))
	}
	h.l.PhaseEnds(0, 0, at(2))
	h.l.PhaseBegins(0, 10, 1, at(2))
	for seq := uint64(10); seq < 15; seq++ {
		h.now = at(4 + float64(seq-10)) // a second apart: a slow flood
		e := event(0, seq)
		e.Sent = at(2)
		e = h.write(e, 0)
		h.l.Acked(ledger.ID{Producer: 0, Seq: seq}, 0, e.Offset, e.Intended, e.Sent, h.now)
	}
	h.l.PhaseEnds(0, 1, at(2.5))
	r := h.finish()
	if len(r.Phases) != 2 {
		t.Fatalf("phases = %+v", r.Phases)
	}
	steady, flood := r.Phases[0], r.Phases[1]
	if steady.Acked != 10 || steady.Sent != 10 || flood.Acked != 5 {
		t.Errorf("acked per phase: %d of %d, %d", steady.Acked, steady.Sent, flood.Acked)
	}
	if steady.MaxAckGap != 100*time.Millisecond || flood.MaxAckGap != time.Second {
		t.Errorf("ack gaps %s, %s; want 100ms and 1s", steady.MaxAckGap, flood.MaxAckGap)
	}
	if steady.Throughput < 9.9 || steady.Throughput > 10.1 {
		t.Errorf("steady throughput %.2f acks/s, want 10", steady.Throughput)
	}
	if got := flood.AckLatency.Max(); got < 6_000_000 { // the last ack came 6s after its send
		t.Errorf("flood produce-ack max %dµs", got)
	}
	if steady.E2E.TotalCount() != 10 || flood.E2E.TotalCount() != 0 {
		t.Errorf("e2e counts %d, %d", steady.E2E.TotalCount(), flood.E2E.TotalCount())
	}
	if len(r.Recoveries) != 1 || r.Recoveries[0].What != "2: flood" || !r.Recoveries[0].To.Equal(at(8)) {
		t.Errorf("the flood is a disturbance from its start to its last record's ack: %+v", r.Recoveries)
	}
}
