package assertions

import (
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// noStuckPartition: no partition's committed offset stands still longer than
// max_stall while it has lag and other partitions move (Burrow's STALL). A
// group that stops as a whole (a lost coordinator) is lag's business.
func noStuckPartition(f *ledger.Facts, crit Criteria, v *Verdict) {
	limit := crit.MaxStall
	var longest time.Duration
	for _, s := range f.Stalls(limit) {
		v.Count++
		longest = max(longest, s.To.Sub(s.From))
		line := fmt.Sprintf("partition %d: committed offset stood at %d from %s to %s (%s) with %d offsets of lag while others moved",
			s.Partition, s.Offset, rel(f.Start, s.From), rel(f.Start, s.To), dur(s.To.Sub(s.From)), s.Lag)
		if s.Failing != "" {
			line += "; " + s.Failing
		}
		keep(&v.First, line)
	}
	if v.Count == 0 {
		v.Summary = fmt.Sprintf("no partition stalled with lag for longer than %s while others moved", dur(limit))
		return
	}
	v.Summary = fmt.Sprintf("%d stalls longer than %s while other partitions moved (longest %s)", v.Count, dur(limit), dur(longest))
}
