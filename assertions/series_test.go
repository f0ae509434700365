package assertions

import (
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

func TestAckSeriesPerSecond(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLedger("r", "prod", start, Criteria{})
	// Second 0: 10ms acks; second 1: nothing; second 2: 200ms acks.
	for i := 0; i < 100; i++ {
		sent := start.Add(time.Duration(i) * time.Millisecond)
		l.Acked(ledger.ID{Producer: 0, Seq: uint64(i)}, 0, int64(i), sent, sent, sent.Add(10*time.Millisecond))
	}
	for i := 100; i < 200; i++ {
		sent := start.Add(2*time.Second + time.Duration(i)*time.Millisecond)
		l.Acked(ledger.ID{Producer: 0, Seq: uint64(i)}, 0, int64(i), sent, sent, sent.Add(200*time.Millisecond))
	}
	pts := Verify(l, Criteria{}).AckSeries
	if len(pts) != 2 {
		t.Fatalf("want 2 seconds with acks, got %+v", pts)
	}
	if pts[0].Count != 100 || pts[0].P50 < 9.9 || pts[0].P50 > 10.1 || !pts[0].At.Equal(start) {
		t.Errorf("first second: %+v", pts[0])
	}
	if pts[1].Count != 100 || pts[1].P50 < 199 || pts[1].P50 > 201 || !pts[1].At.Equal(start.Add(2*time.Second)) {
		t.Errorf("third second: %+v", pts[1])
	}
}
