package assertions

import (
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// storm: two members on partitions 0-3; from t+2s member 1 is kicked and
// rejoins every 2 seconds, its partitions unowned 1s each time.
func storm(h *history, kicks int) Report {
	h.flow(0, 0, 10, 0)
	h.l.OwnershipChanged(at(-1), 0, ledger.Assigned, 1, []int32{0, 1})
	h.l.OwnershipChanged(at(-1), 1, ledger.Assigned, 1, []int32{2, 3})
	gen := int32(1)
	for k := 0; k < kicks; k++ {
		t := 2 + 2*float64(k)
		h.l.OwnershipChanged(at(t), 1, ledger.PollTimeout, gen, []int32{2, 3})
		gen++
		h.l.OwnershipChanged(at(t+1), 1, ledger.Assigned, gen, []int32{2, 3})
	}
	return h.finish()
}

func TestRebalances(t *testing.T) {
	runCases(t, "rebalances", []verdictCase{
		{
			name: "a stable group, reported only",
			run:  func(h *history) Report { return storm(h, 0) },
			want: want{passed: true, summary: "0 rebalances during the workload; partitions without an owner 0s in all"},
		},
		{
			name: "the group forming before the workload does not count",
			crit: Criteria{MaxRebalances: 1, MaxUnowned: time.Second},
			run: func(h *history) Report {
				h.l.OwnershipChanged(at(-5), 0, ledger.Assigned, 1, []int32{0, 1, 2, 3})
				h.l.OwnershipChanged(at(-3), 0, ledger.Revoked, 1, []int32{2, 3})
				h.l.OwnershipChanged(at(-2), 1, ledger.Assigned, 2, []int32{2, 3})
				h.flow(0, 0, 10, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 rebalances"},
		},
		{
			name: "a storm beyond max_rebalances",
			crit: Criteria{MaxRebalances: 2},
			run:  func(h *history) Report { return storm(h, 4) },
			want: want{
				enforced: true, count: 1,
				summary: "4 rebalances during the workload; partitions without an owner 8s in all, longest 1s (partition 2 from t+2.0s)",
				details: []string{"4 rebalances, limit 2", "t+2.0s member 1 poll-timeout partitions 2,3 (generation 1)", "t+3.0s member 1 assigned partitions 2,3 (generation 2)"},
				failing: []string{"rebalances"},
			},
		},
		{
			name: "a partition without an owner too long",
			crit: Criteria{MaxUnowned: 500 * time.Millisecond},
			run:  func(h *history) Report { return storm(h, 1) },
			want: want{
				enforced: true, count: 1,
				details: []string{"partition 2 had no owner for 1s from t+2.0s, limit 500ms"},
				failing: []string{"rebalances"},
			},
		},
		{
			name: "still without an owner at the end",
			crit: Criteria{MaxUnowned: 5 * time.Second},
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				h.l.OwnershipChanged(at(-1), 0, ledger.Assigned, 1, []int32{0})
				h.l.OwnershipChanged(at(1), 0, ledger.Revoked, 1, []int32{0})
				return h.finish() // the last lag sample is at t+10.5s
			},
			want: want{enforced: true, count: 1, details: []string{"partition 0 had no owner for 9.5s from t+1.0s"}, failing: []string{"rebalances"}},
		},
	})
}
