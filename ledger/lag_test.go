package ledger

import "testing"

func TestLagSeconds(t *testing.T) {
	// Each step: a sample and the lag it must show. The oldest unconsumed
	// record's age is judged by the first sample whose end passed it.
	steps := []struct {
		at             float64
		end, committed int64
		offsets        int64
		seconds        float64
	}{
		{0, 10, 0, 10, 0},  // records 0..9 known since t=0
		{1, 20, 5, 15, 1},  // offset 5 there since t=0
		{2, 30, 10, 20, 1}, // offset 10 first seen at t=1
		{3, 30, 25, 5, 1},  // offset 25 first seen at t=2
		{4, 30, 29, 1, 2},  // end stayed: still the t=2 sample
		{5, 30, 30, 0, 0},  // caught up
		{6, 30, -1, 30, 0}, // nothing committed counts as 0; arrival forgotten
		{8, 40, 40, 0, 0},  // caught up again
		{9, 35, 30, 5, 0},  // end moved back under the group: age counted from now
		{10, 35, 30, 5, 1},
	}
	var pa lagPart
	for _, s := range steps {
		pt := pa.observe(at(s.at), 4, s.end, max(s.committed, 0))
		if pt.Offsets != s.offsets || pt.Seconds != s.seconds || pt.Partition != 4 || !pt.At.Equal(at(s.at)) {
			t.Errorf("t=%v end=%d committed=%d: got %d offsets %.2fs, want %d %.2fs",
				s.at, s.end, s.committed, pt.Offsets, pt.Seconds, s.offsets, s.seconds)
		}
	}
	if pa.worstOff.Offsets != 30 || pa.worstSec.Seconds != 2 || !pa.worstSec.At.Equal(at(4)) {
		t.Errorf("worst = %+v / %+v", pa.worstOff, pa.worstSec)
	}
}

func TestLagQueueStaysBounded(t *testing.T) {
	var pa lagPart
	for i := range 3 * lagQueueCap {
		pt := pa.observe(at(float64(i)/4), 0, int64(i+1)*10, 0)
		if want := float64(i) / 4; pt.Seconds < want {
			t.Fatalf("sample %d: lag %.2fs understated, want at least %.2fs", i, pt.Seconds, want)
		}
	}
	if len(pa.queue) > lagQueueCap {
		t.Fatalf("queue grew to %d", len(pa.queue))
	}
}
