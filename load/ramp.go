package load

import (
	"fmt"
	"math"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Ramp goes from From to To, linearly, over Duration.
var Ramp Kind = ramp{}

type ramp struct{}

func (ramp) Name() string { return "ramp" }
func (ramp) Timed() bool  { return true }

func (ramp) Takes(field string) bool {
	return field == "from" || field == "to" || field == "duration"
}

func (ramp) describe(p Phase) string {
	return fmt.Sprintf("ramp %g→%g/s %s", p.From, p.To, p.Duration)
}

func (ramp) check(p Phase) problem.List {
	if p.From < 0 || p.To < 0 || p.From+p.To == 0 || p.Duration <= 0 {
		return atType("a ramp needs from and to rates (at least one positive) and a positive duration")
	}
	return nil
}

func (ramp) due(s slot, k int64) (float64, bool) {
	// Sends so far at time t: a·t + b·t²/2, with the rate going from a to a+b·T.
	n := s.sent(k)
	a := s.p.From * s.share
	b := (s.p.To - s.p.From) * s.share / s.duration
	var t float64
	if math.Abs(b) < 1e-12 {
		t = n / a
	} else if disc := a*a + 2*b*n; disc < 0 {
		return 0, false // a falling ramp that ends before this send
	} else {
		t = (math.Sqrt(disc) - a) / b
	}
	return t, t < s.duration
}
