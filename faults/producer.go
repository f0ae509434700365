package faults

import (
	"context"
	"fmt"
	"time"
)

// producerCrash kills a transactional producer in the middle of a
// transaction, as a dying process does: nothing ends the transaction, so
// the coordinator aborts it when the producer comes back under the same
// transactional.id (after down) or when it times out. Its records must
// never be read by a read_committed consumer.
type producerCrash struct {
	Producer int           `yaml:"producer"` // which producer (from 0)
	Down     time.Duration `yaml:"down"`     // how long it stays away
}

func (*producerCrash) targets() []string { return nil }

// Momentary: the producer comes back by itself after down.
func (*producerCrash) Momentary() bool { return true }

func (f *producerCrash) Validate() []FieldError {
	var errs []FieldError
	if f.Producer < 0 {
		errs = append(errs, FieldError{"producer", "producers are numbered from 0"})
	}
	if f.Down < 0 {
		errs = append(errs, FieldError{"down", "want 0 or a positive duration"})
	}
	return errs
}

// CrashedProducer is the producer the fault crashes, for checks against
// the workload.
func (f *producerCrash) CrashedProducer() int { return f.Producer }

func (f *producerCrash) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	if env.Transactions == nil {
		return "", fmt.Errorf("the producers do not run in transactions")
	}
	if err := env.Transactions.Crash(ctx, f.Producer, f.Down); err != nil {
		return "", err
	}
	return fmt.Sprintf("producer %d mid-transaction (back after %s)", f.Producer, f.Down), nil
}

func (*producerCrash) Heal(context.Context, *Env) error { return nil }
