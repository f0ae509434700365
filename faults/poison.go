package faults

import (
	"context"
	"fmt"
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
type poison struct {
	Kind     string  `yaml:"kind"`
	Count    int     `yaml:"count"`
	Fraction float64 `yaml:"fraction"`
}

func (f *poison) Validate() []FieldError {
	var errs []FieldError
	switch f.Kind {
	case "", PoisonUndecodable, PoisonRejected:
	default:
		errs = append(errs, FieldError{"kind", "want undecodable or rejected"})
	}
	switch {
	case (f.Count > 0) == (f.Fraction > 0):
		errs = append(errs, FieldError{"count", "give count (the next N records) or fraction (0 < f <= 1, during the duration)"})
	case f.Count < 0:
		errs = append(errs, FieldError{"count", "must be positive"})
	case f.Fraction < 0 || f.Fraction > 1:
		errs = append(errs, FieldError{"fraction", "must be in (0, 1]"})
	}
	return errs
}

// kind is the poison kind in effect.
func (f *poison) kind() string {
	if f.Kind == "" {
		return PoisonUndecodable
	}
	return f.Kind
}

// NeedsOrderService says the fault only works where the kitchen display
// looks orders up.
func (f *poison) NeedsOrderService() bool { return f.kind() == PoisonRejected }

// Momentary: a count of records happens at once; a fraction lasts until
// healed.
func (f *poison) Momentary() bool { return f.Count > 0 }

func (*poison) targets() []string { return nil }

func (f *poison) Inject(_ context.Context, env *Env, _ Target) (string, error) {
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

func (f *poison) Heal(_ context.Context, env *Env) error {
	env.Producers.StopPoison()
	return nil
}

var (
	_ Validator = (*poison)(nil)
	_ Momentary = (*poison)(nil)
)
