package assertions

import (
	"fmt"

	"github.com/chaosrun/chaosrun/ledger"
)

// noHealthyDiverted: the kitchen display may skip, dead-letter or give up
// on poison only; a healthy record diverted is an order lost to the business.
func noHealthyDiverted(f *ledger.Facts, crit Criteria, v *Verdict) {
	var all, healthy int64
	for d := range f.Diverted {
		all += f.Diverted[d].N
		healthy += f.Healthy[d].N
		for _, s := range f.Healthy[d].First {
			keep(&v.First, s)
		}
		if n := f.Diverted[d].N; n > 0 {
			v.Details = append(v.Details, fmt.Sprintf("%d %s, %d of them healthy", n, ledger.Diversion(d+1), f.Healthy[d].N))
		}
	}
	v.Count = healthy
	v.Summary = fmt.Sprintf("%d healthy records skipped, dead-lettered or given up (%d diverted in all, %d poison sent)", healthy, all, f.PoisonSent)
	if n := f.DLQStrays; n > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d records in the dead-letter topic not of this run", n))
	}
}
