package load

import (
	"fmt"
	"math"
	"time"
)

// Phase kinds: the shapes load arrives in.
const (
	PhaseSteady = "steady" // Rate for Duration
	PhaseRamp   = "ramp"   // from From to To, linearly, over Duration
	PhaseFlood  = "flood"  // Records as fast as the producers can send (seed 001's promotion job)
)

// maxFlood bounds a flood: far beyond what a run on one machine sends.
const maxFlood = 1e9

// Phase is one stretch of the load shape. Rates are records per second over
// all producers.
type Phase struct {
	Kind     string
	Rate     float64
	From, To float64
	Duration time.Duration
	Records  int64
}

// Name describes the phase for reports: "steady 200/s 20s".
func (p Phase) Name() string {
	switch p.Kind {
	case PhaseRamp:
		return fmt.Sprintf("ramp %g→%g/s %s", p.From, p.To, p.Duration)
	case PhaseFlood:
		return fmt.Sprintf("flood %d records", p.Records)
	}
	return fmt.Sprintf("steady %g/s %s", p.Rate, p.Duration)
}

// Check says what is wrong with the phase, or "".
func (p Phase) Check() string {
	switch p.Kind {
	case PhaseSteady:
		if p.Rate <= 0 || p.Duration <= 0 {
			return "a steady phase needs a positive rate and duration"
		}
	case PhaseRamp:
		if p.From < 0 || p.To < 0 || p.From+p.To == 0 || p.Duration <= 0 {
			return "a ramp needs from and to rates (at least one positive) and a positive duration"
		}
	case PhaseFlood:
		if p.Records <= 0 || p.Records > maxFlood {
			return fmt.Sprintf("a flood needs a positive number of records, at most %d", int64(maxFlood))
		}
	case "":
		return fmt.Sprintf("every phase needs a type: %s, %s or %s", PhaseSteady, PhaseRamp, PhaseFlood)
	default:
		return fmt.Sprintf("unknown phase type %q (want %s, %s or %s)", p.Kind, PhaseSteady, PhaseRamp, PhaseFlood)
	}
	return ""
}

// Timed is the length of the phases that have one (floods last as long as
// the producers take).
func Timed(phases []Phase) time.Duration {
	var d time.Duration
	for _, p := range phases {
		d += p.Duration
	}
	return d
}

// slot is one producer's schedule within a phase: the k-th send is due at
// offset(k) after the phase began for it, until done(k).
type slot struct {
	p        Phase
	share    float64 // this producer's part of the rate (1/producers)
	stagger  float64 // fraction of one interval this producer is shifted by
	quota    int64   // flood: this producer's records
	duration float64 // seconds
}

func newSlot(p Phase, producer uint32, producers int) slot {
	s := slot{p: p, share: 1 / float64(producers), stagger: float64(producer) / float64(producers),
		duration: p.Duration.Seconds()}
	if p.Kind == PhaseFlood {
		s.quota = p.Records / int64(producers)
		if int64(producer) < p.Records%int64(producers) {
			s.quota++
		}
	}
	return s
}

// due returns when send k of the phase is due, in seconds after the phase
// began, and false once the phase has no send k. A flood's sends are all
// due at once: the job hands them over together.
func (s slot) due(k int64) (float64, bool) {
	n := float64(k) + s.stagger // sends before this one, for this producer
	switch s.p.Kind {
	case PhaseFlood:
		return 0, k < s.quota
	case PhaseRamp:
		// Sends so far at time t: a·t + b·t²/2, with the rate going from a to a+b·T.
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
	t := n / (s.p.Rate * s.share)
	return t, t < s.duration
}
