package load

import (
	"fmt"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Kind is a phase kind: a shape load arrives in, and how each producer
// paces its sends through it. Its name is the phase's type in YAML.
type Kind interface {
	Name() string
	// Takes says whether a phase of this kind reads the field (by its YAML
	// name: rate, from, to, duration, records); the others are refused.
	Takes(field string) bool
	// Timed says the phase lasts its Duration; else it lasts as long as the
	// producers take to hand its Records over.
	Timed() bool
	describe(p Phase) string    // for reports: "steady 200/s 20s"
	check(p Phase) problem.List // what is wrong with p
	// due is when send k of the producer's slot is due, in seconds after
	// the phase began, and false once the slot has no send k.
	due(s slot, k int64) (float64, bool)
}

// kinds is the registry: a new kind is a file and a line here.
var kinds = []Kind{Steady, Ramp, Flood}

// KindOf is the kind of that name, or what is wrong with the name.
func KindOf(name string) (Kind, problem.List) {
	for _, k := range kinds {
		if k.Name() == name {
			return k, nil
		}
	}
	if name == "" {
		return nil, noType()
	}
	return nil, atType(fmt.Sprintf("unknown phase type %q (want %s)", name, kindNames()))
}

// atType places a phase's problem at its type: a kind's rule names the
// fields that kind needs, so it is read where the kind is chosen.
func atType(msg string) problem.List { return problem.List{{Field: "type", Msg: msg}} }

func noType() problem.List { return atType("every phase needs a type: " + kindNames()) }

// kindNames is "steady, ramp or flood".
func kindNames() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name()
	}
	last := len(names) - 1
	return strings.Join(names[:last], ", ") + " or " + names[last]
}

// Phase is one stretch of the load shape. Rates are records per second over
// all producers.
type Phase struct {
	Kind     Kind
	Rate     float64
	From, To float64
	Duration time.Duration
	Records  int64
}

// Name describes the phase for reports: "steady 200/s 20s".
func (p Phase) Name() string {
	if p.Kind == nil {
		return "untyped phase"
	}
	return p.Kind.describe(p)
}

// Check says what is wrong with the phase, each problem at its field.
func (p Phase) Check() problem.List {
	if p.Kind == nil {
		return noType()
	}
	return p.Kind.check(p)
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
	if p.Records > 0 { // a flood's records, shared out
		s.quota = p.Records / int64(producers)
		if int64(producer) < p.Records%int64(producers) {
			s.quota++
		}
	}
	return s
}

// due returns when send k of the phase is due, in seconds after the phase
// began, and false once the phase has no send k.
func (s slot) due(k int64) (float64, bool) { return s.p.Kind.due(s, k) }

// sent is how many sends of this producer come before send k, counting
// its stagger.
func (s slot) sent(k int64) float64 { return float64(k) + s.stagger }
