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

func (*brokerOp) Acts() Kind { return KindBroker }

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

// BrokerKill sends SIGKILL (docker kill); heal starts the node again on its ports.
type BrokerKill struct{ brokerOp }

func (f *BrokerKill) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, env.Brokers.Kill)
}

func (f *BrokerKill) Heal(ctx context.Context, env *Env) error { return f.undo(ctx, env.Brokers.Start) }

func (f *BrokerKill) Needs() harness.Ability { return harness.AbilityKill }

// BrokerStop stops the node gracefully (SIGTERM: controlled shutdown); heal starts it.
type BrokerStop struct{ brokerOp }

func (f *BrokerStop) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, env.Brokers.Stop)
}

func (f *BrokerStop) Heal(ctx context.Context, env *Env) error { return f.undo(ctx, env.Brokers.Start) }

func (f *BrokerStop) Needs() harness.Ability { return harness.AbilityStop }

// BrokerPause freezes the node (SIGSTOP, docker pause): alive to the OS, silent to peers.
type BrokerPause struct{ brokerOp }

func (f *BrokerPause) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, env.Brokers.Pause)
}

func (f *BrokerPause) Heal(ctx context.Context, env *Env) error {
	return f.undo(ctx, env.Brokers.Resume)
}

func (f *BrokerPause) Needs() harness.Ability { return harness.AbilityPause }

// BrokerRestart stops the node gracefully and starts it again at once.
type BrokerRestart struct{ brokerOp }

func (f *BrokerRestart) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.apply(ctx, env, t, func(ctx context.Context, id int32) error {
		if err := env.Brokers.Stop(ctx, id); err != nil {
			return err
		}
		return env.Brokers.Start(ctx, id)
	})
}

func (f *BrokerRestart) Heal(context.Context, *Env) error { return nil }

func (f *BrokerRestart) Momentary() bool { return true }

func (f *BrokerRestart) Needs() harness.Ability { return harness.AbilityStop }

var (
	_ Fault     = (*BrokerKill)(nil)
	_ Fault     = (*BrokerStop)(nil)
	_ Fault     = (*BrokerPause)(nil)
	_ Momentary = (*BrokerRestart)(nil)
	_ Needer    = (*BrokerKill)(nil)
	_ Needer    = (*BrokerStop)(nil)
	_ Needer    = (*BrokerPause)(nil)
	_ Needer    = (*BrokerRestart)(nil)
)
