package faults

import (
	"context"
	"fmt"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Poison kinds.
const (
	PoisonUndecodable = "undecodable" // the record's value cannot be decoded
	PoisonRejected    = "rejected"    // the order service refuses the order (needs the lookup)
)

// poison is a workload fault: from its time on, records whose value cannot
// be processed, identified in the ledger. count makes the next count sends
// poison (momentary); fraction makes each send poison with that probability
// until the fault's duration ends.
type Poison struct {
	Kind     string  `yaml:"kind"`
	Count    int     `yaml:"count"`
	Fraction float64 `yaml:"fraction"`
}

func (f *Poison) Validate() problem.List {
	var errs problem.List
	switch f.Kind {
	case "", PoisonUndecodable, PoisonRejected:
	default:
		errs.Add("kind", "want undecodable or rejected")
	}
	switch {
	case (f.Count > 0) == (f.Fraction > 0):
		errs.Add("count", "give count (the next N records) or fraction (0 < f <= 1, during the duration)")
	case f.Count < 0:
		errs.Add("count", "must be positive")
	case f.Fraction < 0 || f.Fraction > 1:
		errs.Add("fraction", "must be in (0, 1]")
	}
	return errs
}

// kind is the poison kind in effect.
func (f *Poison) kind() string {
	if f.Kind == "" {
		return PoisonUndecodable
	}
	return f.Kind
}

// NeedsOrderService says the fault only works where the kitchen display
// looks orders up.
func (f *Poison) NeedsOrderService() bool { return f.kind() == PoisonRejected }

// Momentary: a count of records happens at once; a fraction lasts until
// healed.
func (f *Poison) Momentary() bool { return f.Count > 0 }

func (*Poison) targets() []string { return nil }

func (*Poison) Acts() Kind { return KindProducer }

func (f *Poison) Inject(_ context.Context, env *Env, _ Target) (string, error) {
	if env.Producers == nil {
		return "", fmt.Errorf("no producers are running")
	}
	if err := env.Producers.Poison(f.kind(), f.Count, f.Fraction); err != nil {
		return "", err
	}
	if f.Count > 0 {
		return fmt.Sprintf("next %d records (%s)", f.Count, f.kind()), nil
	}
	return fmt.Sprintf("%.3g of records (%s)", f.Fraction, f.kind()), nil
}

func (f *Poison) Heal(_ context.Context, env *Env) error {
	env.Producers.StopPoison()
	return nil
}

var (
	_ Validator = (*Poison)(nil)
	_ Momentary = (*Poison)(nil)
)
