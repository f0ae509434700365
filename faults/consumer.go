package faults

import (
	"context"
	"fmt"
)

// consumerCrash kills a consumer instance mid-batch; heal starts a new one.
type consumerCrash struct {
	crashed []int
}

func (f *consumerCrash) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	if env.Consumers == nil {
		return "", fmt.Errorf("no consumer group is running")
	}
	i := *t.Consumer
	if err := env.Consumers.Crash(ctx, i); err != nil {
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
