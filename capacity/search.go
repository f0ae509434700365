// Package capacity searches the highest rate a system sustains: a ramp
// brackets the limit, bisection narrows it to a stated precision, and the
// number of probes is bounded, so a search always ends with a stated
// answer (never stuck at a floor, never above what was shown to hold).
package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Outcome is one probe's judgement at one rate.
type Outcome struct {
	Rate      float64 // the open-model rate asked for, records/s
	Sustained bool    // acks kept up, lag stayed bounded, the SLO held
	Limit     string  // when not sustained: what gave out (producers, consumer group, downstream, slo)
	Detail    string  // the figures behind the judgement, for the probe list
}

// Probe runs the system at rate for a fixed length and judges it.
type Probe func(ctx context.Context, rate float64) (Outcome, error)

// Search bounds the search.
type Search struct {
	Start     float64 // first rate tried (records/s)
	Min, Max  float64 // never below Min nor above Max
	Precision float64 // stop when (failed - held) / held is at most this, e.g. 0.05
	MaxProbes int     // a hard bound on probes
	Growth    float64 // the ramp's factor per step; 0 means 2
	// Must, when set, is a rate the answer must settle: a search whose
	// bracket ends around it probes it too, so "is it sustainable" has an
	// answer, not a gap.
	Must float64
}

// Found is the search's answer and every probe it made, in order.
type Found struct {
	Sustainable float64 // the highest rate shown to hold; 0 when not even Min held
	FirstFailed float64 // the lowest rate shown not to hold; +Inf when Max held
	Probes      []Outcome
	Why         string // how the search ended
}

// ErrBadSearch is a search whose bounds cannot work.
var ErrBadSearch = errors.New("capacity search")

func (s Search) check() error {
	switch {
	case s.Min <= 0 || s.Max < s.Min:
		return fmt.Errorf("%w: want 0 < min <= max, got min %g max %g", ErrBadSearch, s.Min, s.Max)
	case s.Start < s.Min || s.Start > s.Max:
		return fmt.Errorf("%w: start %g outside [%g, %g]", ErrBadSearch, s.Start, s.Min, s.Max)
	case s.Precision <= 0 || s.Precision >= 1:
		return fmt.Errorf("%w: precision %g: want a fraction such as 0.05", ErrBadSearch, s.Precision)
	case s.Growth != 0 && s.Growth <= 1:
		return fmt.Errorf("%w: growth %g: want a factor above 1", ErrBadSearch, s.Growth)
	case s.MaxProbes < 2:
		return fmt.Errorf("%w: at least 2 probes", ErrBadSearch)
	}
	return nil
}

// Run searches with probe. A probe error ends the search with that error
// and the probes made so far.
func (s Search) Run(ctx context.Context, probe Probe) (Found, error) {
	if err := s.check(); err != nil {
		return Found{}, err
	}
	res := Found{FirstFailed: math.Inf(1)}
	try := func(rate float64) (bool, error) {
		o, err := probe(ctx, rate)
		if err != nil {
			return false, fmt.Errorf("probe at %s/s: %w", RateText(rate), err)
		}
		o.Rate = rate
		res.Probes = append(res.Probes, o)
		if o.Sustained {
			res.Sustainable = max(res.Sustainable, rate)
		} else {
			res.FirstFailed = min(res.FirstFailed, rate)
		}
		return o.Sustained, nil
	}
	left := func() bool { return len(res.Probes) < s.MaxProbes }

	// Bracket: double up from Start while it holds, or halve down while it
	// does not, within [Min, Max].
	rate := s.Start
	held, err := try(rate)
	if err != nil {
		return res, err
	}
	growth := s.Growth
	if growth == 0 {
		growth = 2
	}
	for left() {
		next := rate * growth
		if !held {
			next = rate / growth
		}
		next = math.Max(s.Min, math.Min(s.Max, next))
		if next == rate { // at a bound
			break
		}
		if held && next >= res.FirstFailed || !held && next <= res.Sustainable {
			break
		}
		rate = next
		ok, err := try(rate)
		if err != nil {
			return res, err
		}
		if ok != held {
			break // bracketed
		}
	}
	switch {
	case res.Sustainable == 0:
		res.Why = fmt.Sprintf("not even the minimum rate %s/s held", RateText(s.Min))
		return res, nil
	case math.IsInf(res.FirstFailed, 1):
		res.Why = fmt.Sprintf("the maximum rate %s/s held: the limit is above it", RateText(s.Max))
		return res, nil
	}
	// Bisect between the highest rate that held and the lowest that failed.
	for left() && (res.FirstFailed-res.Sustainable)/res.Sustainable > s.Precision {
		if _, err := try((res.Sustainable + res.FirstFailed) / 2); err != nil {
			return res, err
		}
	}
	if s.Must > res.Sustainable && s.Must < res.FirstFailed && left() {
		if _, err := try(s.Must); err != nil {
			return res, err
		}
	}
	if (res.FirstFailed-res.Sustainable)/res.Sustainable > s.Precision {
		res.Why = fmt.Sprintf("probe budget (%d) spent; the limit is between %s/s and %s/s", s.MaxProbes, RateText(res.Sustainable), RateText(res.FirstFailed))
	} else {
		res.Why = fmt.Sprintf("bracketed within %g%%: holds at %s/s, fails at %s/s", s.Precision*100, RateText(res.Sustainable), RateText(res.FirstFailed))
	}
	return res, nil
}

// RateText writes a rate with the precision it has: 23.75, 1,250.
func RateText(r float64) string {
	if r < 100 {
		return strconv.FormatFloat(math.Round(r*100)/100, 'f', -1, 64)
	}
	return Thousands(r)
}
