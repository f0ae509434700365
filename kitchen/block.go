package kitchen

import "context"

// Block retries in place forever: the partition stops (seed 003). It is
// the default.
var Block Policy = block{}

type block struct{}

func (block) Name() string      { return "block" }
func (block) Parks() bool       { return false }
func (block) DeadLetters() bool { return false }

func (block) failed(context.Context, *kitchen, *item, error, int, member) (bool, bool) {
	return false, false
}
