package faults

import (
	"context"
	"errors"

	"github.com/chaosrun/chaosrun/harness"
)

// brokerOp is a broker fault: an action on every targeted node, and the
// action that undoes it.
type brokerOp struct {
	nodes []int32
}

func (b *brokerOp) apply(ctx context.Context, env *Env, t Target, act func(context.Context, int32) error) (string, error) {
	ids, err := t.brokers(ctx, env)
	if err != nil {
		return "", err
	}
	for _, id := range ids {
		if err := act(ctx, id); err != nil {
			return describe(b.nodes), err
		}
		b.nodes = append(b.nodes, id)
	}
	return describe(ids), nil
}

func (b *brokerOp) undo(ctx context.Context, act func(context.Context, int32) error) error {
	var errs []error
	for _, id := range b.nodes {
		errs = append(errs, act(ctx, id))
	}
	b.nodes = nil
	return errors.Join(errs...)
}

// brokerKill sends SIGKILL (docker kill); heal starts the node again on its ports.
type brokerKill struct{ brokerOp }

func (f *brokerKill) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, env.Brokers.Kill)
}

func (f *brokerKill) Heal(ctx context.Context, env *Env) error { return f.undo(ctx, env.Brokers.Start) }

func (f *brokerKill) Needs() harness.Ability { return harness.AbilityKill }

// brokerStop stops the node gracefully (SIGTERM: controlled shutdown); heal starts it.
type brokerStop struct{ brokerOp }

func (f *brokerStop) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, env.Brokers.Stop)
}

func (f *brokerStop) Heal(ctx context.Context, env *Env) error { return f.undo(ctx, env.Brokers.Start) }

func (f *brokerStop) Needs() harness.Ability { return harness.AbilityStop }

// brokerPause freezes the node (SIGSTOP, docker pause): alive to the OS, silent to peers.
type brokerPause struct{ brokerOp }

func (f *brokerPause) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, env.Brokers.Pause)
}

func (f *brokerPause) Heal(ctx context.Context, env *Env) error {
	return f.undo(ctx, env.Brokers.Resume)
}

func (f *brokerPause) Needs() harness.Ability { return harness.AbilityPause }

// brokerRestart stops the node gracefully and starts it again at once.
type brokerRestart struct{ brokerOp }

func (f *brokerRestart) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, func(ctx context.Context, id int32) error {
		if err := env.Brokers.Stop(ctx, id); err != nil {
			return err
		}
		return env.Brokers.Start(ctx, id)
	})
}

func (f *brokerRestart) Heal(context.Context, *Env) error { return nil }

func (f *brokerRestart) Momentary() bool { return true }

func (f *brokerRestart) Needs() harness.Ability { return harness.AbilityStop }

var (
	_ Fault     = (*brokerKill)(nil)
	_ Fault     = (*brokerStop)(nil)
	_ Fault     = (*brokerPause)(nil)
	_ Momentary = (*brokerRestart)(nil)
	_ Needer    = (*brokerKill)(nil)
	_ Needer    = (*brokerStop)(nil)
	_ Needer    = (*brokerPause)(nil)
	_ Needer    = (*brokerRestart)(nil)
)
