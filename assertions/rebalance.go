package assertions

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

func rebalances(f *ledger.Facts, crit Criteria, v *Verdict) {
	r, u := f.GroupAt(cmp.Or(f.LastSample, f.Start))
	worst, worstP, worstAt := u.For, u.Partition, u.From
	var total time.Duration
	for _, d := range r.Unowned {
		total += d
	}
	v.Summary = fmt.Sprintf("%d rebalances during the workload; partitions without an owner %s in all", r.Rebalances, dur(total))
	if worst > 0 {
		v.Summary += fmt.Sprintf(", longest %s (partition %d from %s)", dur(worst), worstP, rel(f.Start, worstAt))
	}
	if n := crit.MaxRebalances; n > 0 && int64(r.Rebalances) > n {
		v.Count++
		v.Details = append(v.Details, fmt.Sprintf("%d rebalances, limit %d", r.Rebalances, n))
	}
	if m := crit.MaxUnowned; m > 0 && worst > m {
		v.Count++
		v.Details = append(v.Details, fmt.Sprintf("partition %d had no owner for %s from %s, limit %s", worstP, dur(worst), rel(f.Start, worstAt), dur(m)))
	}
	// The membership changes of the workload, oldest first, as evidence.
	var lines []string
	for _, c := range r.Changes {
		if c.At.Before(f.Start) {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s member %d %s %s (generation %d)", rel(f.Start, c.At), c.Member, c.Kind, partitionList(c.Partitions), c.Generation))
	}
	v.Details = append(v.Details, capLines(lines)...)
}

func partitionList(ps []int32) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprint(p)
	}
	return "partitions " + strings.Join(s, ",")
}
