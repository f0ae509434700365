package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// consumerCrash kills a consumer instance mid-batch; heal starts a new one.
// When: "polled" (default) dies right after a poll, before processing;
// "processed" dies after processing a batch, before committing it, so the
// next owner gets the batch again (seed 000's redelivery).
type consumerCrash struct {
	When    string `yaml:"when"`
	crashed []int
}

func (f *consumerCrash) Validate() []FieldError {
	switch f.When {
	case "", "polled", "processed":
		return nil
	}
	return []FieldError{{"when", "want polled (after a poll, before processing) or processed (after processing, before the commit)"}}
}

func (*consumerCrash) targets() []string { return []string{"consumer"} }

// AfterProcessing says the member dies between processing and committing,
// a moment only the commit-after-processing mode has.
func (f *consumerCrash) AfterProcessing() bool { return f.When == "processed" }

func (f *consumerCrash) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	if env.Consumers == nil {
		return "", fmt.Errorf("no consumer group is running")
	}
	i := *t.Consumer
	if err := env.Consumers.Crash(ctx, i, f.When == "processed"); err != nil {
		return "", err
	}
	f.crashed = append(f.crashed, i)
	return fmt.Sprintf("consumer %d", i), nil
}

func (f *consumerCrash) Heal(_ context.Context, env *Env) error {
	for _, i := range f.crashed {
		if err := env.Consumers.Restart(i); err != nil {
			return err
		}
	}
	f.crashed = nil
	return nil
}

// consumerStop stops members gracefully (their work finished and committed,
// the group told) for the fault's duration, as a deploy or an outage of the
// service does; heal starts them again. The backlog they leave is what
// seed 001's kitchen faced after the promotion job.
type consumerStop struct {
	stopped []int
}

func (*consumerStop) targets() []string { return []string{"consumer", "all"} }

func (f *consumerStop) Inject(_ context.Context, env *Env, t Target) (string, error) {
	if env.Consumers == nil {
		return "", fmt.Errorf("no consumer group is running")
	}
	members := []int{}
	if t.Consumer != nil {
		members = append(members, *t.Consumer)
	} else {
		for i := range env.Consumers.Members() {
			members = append(members, i)
		}
	}
	// All at once: one member's leave waits for a rebalance that a member
	// stuck on a record holds until it, too, is told to stop.
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for k, i := range members {
		wg.Go(func() { errs[k] = env.Consumers.StopMember(i) })
	}
	wg.Wait()
	for k, i := range members {
		if errs[k] == nil {
			f.stopped = append(f.stopped, i)
		}
	}
	return describeMembers(members), errors.Join(errs...)
}

func (f *consumerStop) Heal(_ context.Context, env *Env) error {
	var errs []error
	for _, i := range f.stopped {
		errs = append(errs, env.Consumers.Restart(i))
	}
	f.stopped = nil
	return errors.Join(errs...)
}

func describeMembers(ms []int) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = fmt.Sprintf("consumer %d", m)
	}
	return strings.Join(parts, ", ")
}
