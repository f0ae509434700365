package load

import (
	"fmt"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Steady is Rate for Duration.
var Steady Kind = steady{}

type steady struct{}

func (steady) Name() string { return "steady" }
func (steady) Timed() bool  { return true }

func (steady) Takes(field string) bool { return field == "rate" || field == "duration" }

func (steady) describe(p Phase) string { return fmt.Sprintf("steady %g/s %s", p.Rate, p.Duration) }

func (steady) check(p Phase) problem.List {
	if p.Rate <= 0 || p.Duration <= 0 {
		return atType("a steady phase needs a positive rate and duration")
	}
	return nil
}

func (steady) due(s slot, k int64) (float64, bool) {
	t := s.sent(k) / (s.p.Rate * s.share)
	return t, t < s.duration
}
