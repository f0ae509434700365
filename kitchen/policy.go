package kitchen

import (
	"context"
	"slices"
)

// Policy is a failure policy: what the kitchen display does with an event
// it cannot process (the seeds' incidents and their fixes). Its name is
// consumer.on_failure's value.
type Policy interface {
	Name() string
	// Parks says failed events wait in the retry table: a retrier runs
	// (and looks orders up too), an order's later events queue behind its
	// parked ones, and results are applied outside any poll.
	Parks() bool
	// DeadLetters says failed events end on the dead-letter topic: the
	// member produces, and the run creates and drains that topic.
	DeadLetters() bool
	// failed settles an event whose try number attempt failed with err:
	// settled false means try again after a backoff; else ok reports
	// whether the event was handled (false: abandoned, see handle).
	failed(ctx context.Context, k *kitchen, it *item, err error, attempt int, m member) (settled, ok bool)
}

// policies is the registry: a new policy is a file and a line here.
var policies = []Policy{Block, Skip, RetryTable, DeadLetter}

// LookupPolicy is the policy of that name.
func LookupPolicy(name string) (Policy, bool) {
	for _, p := range policies {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}

// Policies lists the policies, in the registry's order.
func Policies() []Policy { return slices.Clone(policies) }

// PolicyNames lists the policies' names, for messages.
func PolicyNames() []string {
	out := make([]string, len(policies))
	for i, p := range policies {
		out[i] = p.Name()
	}
	return out
}
