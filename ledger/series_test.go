package ledger

import (
	"testing"
	"time"
)

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
