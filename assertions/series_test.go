package assertions

import (
	"testing"
	"time"
)

func TestAckSeriesPerSecond(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLedger("r", "prod", start, Criteria{})
	// Second 0: 10ms acks; second 1: nothing; second 2: 200ms acks.
	for i := 0; i < 100; i++ {
		sent := start.Add(time.Duration(i) * time.Millisecond)
		l.Acked(ID{0, uint64(i)}, 0, int64(i), sent, sent, sent.Add(10*time.Millisecond))
	}
	for i := 100; i < 200; i++ {
		sent := start.Add(2*time.Second + time.Duration(i)*time.Millisecond)
		l.Acked(ID{0, uint64(i)}, 0, int64(i), sent, sent, sent.Add(200*time.Millisecond))
	}
	pts := l.Verify().AckSeries
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

func TestCountSeriesCountsBySecondOutOfOrder(t *testing.T) {
	var s countSeries
	base := time.Unix(1000, 0)
	for _, ms := range []int{2500, 2100, 900, 3999, 2000, -1} { // -1: earlier than everything
		s.add(base.Add(time.Duration(ms) * time.Millisecond))
	}
	got := s.snapshot()
	counts := map[int64]int64{}
	for _, p := range got {
		counts[p.At.Unix()] += p.Count
	}
	if counts[999] != 1 || counts[1000] != 1 || counts[1001] != 0 || counts[1002] != 3 || counts[1003] != 1 || got[0].At.Unix() != 999 {
		t.Errorf("per second: %v (first %v)", counts, got[0].At.Unix())
	}
}
