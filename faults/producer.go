package faults

import (
	"context"
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// ProducerCrash kills a transactional producer in the middle of a
// transaction, as a dying process does: nothing ends the transaction, so
// the coordinator aborts it when the producer comes back under the same
// transactional.id (after down) or when it times out. Its records must
// never be read by a read_committed consumer.
type ProducerCrash struct {
	Producer int           `yaml:"producer"` // which producer (from 0)
	Down     time.Duration `yaml:"down"`     // how long it stays away
}

func (*ProducerCrash) targets() []string { return nil }

func (*ProducerCrash) Acts() Kind { return KindProducer }

// Momentary: the producer comes back by itself after down.
func (*ProducerCrash) Momentary() bool { return true }

func (f *ProducerCrash) Validate() problem.List {
	var errs problem.List
	if f.Producer < 0 {
		errs.Add("producer", "producers are numbered from 0")
	}
	if f.Down < 0 {
		errs.Add("down", "want 0 or a positive duration")
	}
	return errs
}

// CrashedProducer is the producer the fault crashes, for checks against
// the workload.
func (f *ProducerCrash) CrashedProducer() int { return f.Producer }

func (f *ProducerCrash) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	if env.Transactions == nil {
		return "", fmt.Errorf("the producers do not run in transactions")
	}
	if err := env.Transactions.Crash(ctx, f.Producer, f.Down); err != nil {
		return "", err
	}
	return fmt.Sprintf("producer %d mid-transaction (back after %s)", f.Producer, f.Down), nil
}

func (*ProducerCrash) Heal(context.Context, *Env) error { return nil }
