package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// ConsumerCrash kills a consumer instance mid-batch; heal starts a new one.
// When: "polled" (default) dies right after a poll, before processing;
// "processed" dies after processing a batch, before committing it, so the
// next owner gets the batch again (seed 000's redelivery).
type ConsumerCrash struct {
	When    string `yaml:"when"`
	crashed []int
}

func (f *ConsumerCrash) Validate() problem.List {
	switch f.When {
	case "", "polled", "processed":
		return nil
	}
	return problem.List{{Field: "when", Msg: "want polled (after a poll, before processing) or processed (after processing, before the commit)"}}
}

func (*ConsumerCrash) targets() []string { return []string{"consumer"} }

func (*ConsumerCrash) Acts() Kind { return KindConsumer }

// AfterProcessing says the member dies between processing and committing,
// a moment only the commit-after-processing mode has.
func (f *ConsumerCrash) AfterProcessing() bool { return f.When == "processed" }

func (f *ConsumerCrash) Inject(ctx context.Context, env *Env, t Target) (string, error) {
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

func (f *ConsumerCrash) Heal(_ context.Context, env *Env) error {
	for _, i := range f.crashed {
		if err := env.Consumers.Restart(i); err != nil {
			return err
		}
	}
	f.crashed = nil
	return nil
}

// ConsumerStop stops members gracefully (their work finished and committed,
// the group told) for the fault's duration, as a deploy or an outage of the
// service does; heal starts them again. The backlog they leave is what
// seed 001's kitchen faced after the promotion job.
type ConsumerStop struct {
	stopped []int
}

func (*ConsumerStop) targets() []string { return []string{"consumer", "all"} }

func (*ConsumerStop) Acts() Kind { return KindConsumer }

func (f *ConsumerStop) Inject(_ context.Context, env *Env, t Target) (string, error) {
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

func (f *ConsumerStop) Heal(_ context.Context, env *Env) error {
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

// ConsumerSlow raises the kitchen's processing time per event for the
// fault's duration: seed 001's table that grew until each event took 2 s
// instead of 500 ms.
type ConsumerSlow struct {
	ProcessingTime time.Duration `yaml:"processing_time"`
}

func (f *ConsumerSlow) Validate() problem.List {
	if f.ProcessingTime <= 0 {
		return problem.List{{Field: "processing_time", Msg: "want the processing time per event while the fault lasts, e.g. 50ms"}}
	}
	return nil
}

func (*ConsumerSlow) targets() []string { return nil }

func (*ConsumerSlow) Acts() Kind { return KindConsumer }

func (f *ConsumerSlow) Inject(_ context.Context, env *Env, _ Target) (string, error) {
	if env.Consumers == nil {
		return "", fmt.Errorf("no consumer group is running")
	}
	env.Consumers.Slow(f.ProcessingTime)
	return fmt.Sprintf("processing %s per event", f.ProcessingTime), nil
}

func (f *ConsumerSlow) Heal(_ context.Context, env *Env) error {
	env.Consumers.Slow(0)
	return nil
}

// ConsumerScale changes the group's size for the fault's duration, as an
// autoscaler or a deploy does: members join in new slots, or the highest
// ones stop gracefully; heal returns to the configured size.
type ConsumerScale struct {
	Members int `yaml:"members"`
	was     int
}

func (f *ConsumerScale) Validate() problem.List {
	if f.Members < 1 || f.Members > 32 {
		return problem.List{{Field: "members", Msg: "want the group's size while the fault lasts, 1 to 32"}}
	}
	return nil
}

func (*ConsumerScale) targets() []string { return nil }

func (*ConsumerScale) Acts() Kind { return KindConsumer }

func (f *ConsumerScale) Inject(_ context.Context, env *Env, _ Target) (string, error) {
	if env.Consumers == nil {
		return "", fmt.Errorf("no consumer group is running")
	}
	f.was = env.Consumers.Members()
	return fmt.Sprintf("%d → %d members", f.was, f.Members), env.Consumers.Scale(f.Members)
}

func (f *ConsumerScale) Heal(_ context.Context, env *Env) error {
	return env.Consumers.Scale(f.was)
}

// ConsumerRollingRestart restarts every member in turn, as a deploy does: each is
// stopped gracefully, started again after Down, and the next follows
// Between later. With static membership and a session timeout longer than
// Down the group does not rebalance.
type ConsumerRollingRestart struct {
	Down    time.Duration `yaml:"down"`
	Between time.Duration `yaml:"between"`
}

func (f *ConsumerRollingRestart) Validate() problem.List {
	var errs problem.List
	if f.Down <= 0 {
		errs.Add("down", "want how long each member is down, e.g. 1s")
	}
	if f.Between <= 0 {
		errs.Add("between", "want the pause between members, e.g. 5s")
	}
	return errs
}

func (*ConsumerRollingRestart) targets() []string { return nil }

func (*ConsumerRollingRestart) Acts() Kind { return KindConsumer }

// Momentary: the restart is done when Inject returns; there is nothing to heal.
func (*ConsumerRollingRestart) Momentary() bool { return true }

func (f *ConsumerRollingRestart) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	if env.Consumers == nil {
		return "", fmt.Errorf("no consumer group is running")
	}
	n := env.Consumers.Members()
	for i := range n {
		if err := env.Consumers.StopMember(i); err != nil {
			return describeRange(n), err
		}
		sleepCtx(ctx, f.Down)
		if err := env.Consumers.Restart(i); err != nil {
			return describeRange(n), err
		}
		if i < n-1 {
			sleepCtx(ctx, f.Between)
		}
	}
	return describeRange(n), nil
}

func (*ConsumerRollingRestart) Heal(context.Context, *Env) error { return nil }

// Course is how long the restart takes with members members.
func (f *ConsumerRollingRestart) Course(members int) time.Duration {
	if members < 1 {
		return 0
	}
	return time.Duration(members)*f.Down + time.Duration(members-1)*f.Between
}

func describeRange(n int) string { return fmt.Sprintf("consumers 0-%d in turn", n-1) }

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
