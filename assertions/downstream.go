package assertions

import (
	"fmt"

	"github.com/chaosrun/chaosrun/ledger"
)

// noDownstreamOverload: the kitchen display never drives a service past
// what it can serve (seed 001: 50 threads against a query service sized for
// far fewer took two of its nodes down). Refused lookups and lookups the
// service worked on after their caller gave up are the evidence.
func noDownstreamOverload(f *ledger.Facts, crit Criteria, v *Verdict) {
	if len(f.Downstream) == 0 {
		v.Summary = "no downstream service in this run"
		return
	}
	for _, s := range f.Downstream {
		n := s.Overloaded + s.Abandoned
		v.Count += n
		line := fmt.Sprintf("%s: %d of %d requests refused as overloaded, %d queued for a slot and served after their caller gave up (capacity %s, the kitchen runs up to %d lookups at once)",
			s.Name, s.Overloaded, s.Requests, s.Abandoned, capacity(s.Capacity), s.Callers)
		if n > 0 {
			keep(&v.First, line)
		}
		v.Details = append(v.Details, line)
	}
	v.Summary = fmt.Sprintf("%d requests over a downstream service's capacity", v.Count)
}

func capacity(c int64) string {
	if c == 0 {
		return "unlimited"
	}
	return fmt.Sprint(c)
}
