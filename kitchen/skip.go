package kitchen

import (
	"context"

	"github.com/chaosrun/chaosrun/ledger"
)

// Skip logs and moves on: the event is lost to the business (seed 000's
// stopgap).
var Skip Policy = skip{}

type skip struct{}

func (skip) Name() string      { return "skip" }
func (skip) Parks() bool       { return false }
func (skip) DeadLetters() bool { return false }

func (skip) failed(_ context.Context, k *kitchen, it *item, _ error, _ int, _ member) (bool, bool) {
	k.out.Diverted(&it.e, ledger.Skipped)
	return true, true
}
