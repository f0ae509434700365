package faults

import (
	"context"
	"fmt"

	"github.com/chaosrun/chaosrun/harness"
)

// Isolator is implemented by clusters whose runtime can cut a broker off from
// its peers and controllers (docker: network disconnect).
type Isolator interface {
	Isolate(ctx context.Context, id int32) error
	Rejoin(ctx context.Context, id int32) error
}

// BrokerPartition isolates a broker from its peers and controllers; clients
// still reach it through its proxy, as in a real split where only the
// broker-to-broker network fails.
type BrokerPartition struct{ brokerOp }

func (f *BrokerPartition) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	iso, ok := env.Brokers.(Isolator)
	if !ok {
		return "", fmt.Errorf("this runtime cannot isolate a broker")
	}
	return f.apply(ctx, env, t, iso.Isolate)
}

func (f *BrokerPartition) Heal(ctx context.Context, env *Env) error {
	return f.undo(ctx, env.Brokers.(Isolator).Rejoin)
}

func (f *BrokerPartition) Needs() harness.Ability { return harness.AbilityIsolate }

var _ Needer = (*BrokerPartition)(nil)
