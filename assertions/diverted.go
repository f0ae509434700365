package assertions

import "fmt"

// noHealthyDiverted: the kitchen display may skip, dead-letter or give up
// on poison only; a healthy record diverted is an order lost to the business.
func (l *Ledger) noHealthyDiverted(c *comparison, v *Verdict) {
	var all, healthy int64
	for d := range diversions {
		all += c.diverted[d].n
		healthy += c.healthy[d].n
		for _, s := range c.healthy[d].first {
			keep(&v.First, s)
		}
		if n := c.diverted[d].n; n > 0 {
			v.Details = append(v.Details, fmt.Sprintf("%d %s, %d of them healthy", n, Diversion(d+1), c.healthy[d].n))
		}
	}
	var poison uint64
	for _, s := range l.cons.kitchen.poison {
		poison += s.count()
	}
	v.Count = healthy
	v.Summary = fmt.Sprintf("%d healthy records skipped, dead-lettered or given up (%d diverted in all, %d poison sent)", healthy, all, poison)
	if n := l.cons.kitchen.dlqStrays.total(); n > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d records in the dead-letter topic not of this run", n))
	}
}
