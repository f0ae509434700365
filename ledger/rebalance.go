package ledger

import (
	"slices"
	"sync"
	"time"
)

// Group membership changes, as the members saw them: every assignment,
// revocation and loss, per member, with the group generation it came with.

// Ownership change kinds.
const (
	Assigned = "assigned"
	Revoked  = "revoked"
	Lost     = "lost" // taken away without a chance to commit (kicked, session expired)
	// PollTimeout: the member's processing of a poll outlasted
	// max.poll.interval.ms; it is out of the group with the partitions it held.
	PollTimeout = "poll-timeout"
)

// OwnershipChange is one line of the group's timeline.
type OwnershipChange struct {
	At         time.Time
	Member     int
	Kind       string
	Generation int32
	Partitions []int32
}

// groupSide is the ledger's record of the group; its own leaf lock, taken
// from the consumer's rebalance callbacks.
type groupSide struct {
	mu      sync.Mutex
	changes []OwnershipChange
	owner   []int       // by partition: member, -1 for none
	since   []time.Time // by partition: unowned since, when owner is -1
	unowned []time.Duration
	worst   time.Duration
	worstP  int32
	worstAt time.Time
	gens    map[int32]time.Time // generation → first seen
	start   time.Time           // the workload's start: time before it is not counted
}

// maxChanges bounds the timeline kept; counts go on past it.
const maxChanges = 2000

// OwnershipChanged records that member was assigned, had revoked, or lost
// partitions at at, in generation gen.
func (l *Ledger) OwnershipChanged(at time.Time, member int, kind string, gen int32, partitions []int32) {
	g := &l.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.changes) < maxChanges {
		g.changes = append(g.changes, OwnershipChange{At: at, Member: member, Kind: kind, Generation: gen,
			Partitions: slices.Clone(partitions)})
	}
	if gen > 0 { // a cooperative rebalance's revoke-only generation counts too
		if g.gens == nil {
			g.gens = map[int32]time.Time{}
		}
		if _, ok := g.gens[gen]; !ok {
			g.gens[gen] = at
		}
	}
	for _, p := range partitions {
		if !partitionOK(p) {
			continue
		}
		for len(g.owner) <= int(p) {
			g.owner = append(g.owner, -1)
			g.since = append(g.since, time.Time{})
			g.unowned = append(g.unowned, 0)
		}
		switch {
		case kind == Assigned:
			if g.owner[p] == -1 && !g.since[p].IsZero() {
				g.closeGap(p, at)
			}
			g.owner[p] = member
		case g.owner[p] == member:
			g.owner[p], g.since[p] = -1, at
		}
	}
}

// closeGap ends partition p's time without an owner at at. Time before the
// workload started (the group forming) is not counted.
func (g *groupSide) closeGap(p int32, at time.Time) {
	from := g.since[p]
	if from.Before(g.start) {
		from = g.start
	}
	d := max(at.Sub(from), 0)
	g.unowned[p] += d
	if d > g.worst {
		g.worst, g.worstP, g.worstAt = d, p, from
	}
	g.since[p] = time.Time{}
}

// GroupReport is the group's side of the run.
type GroupReport struct {
	Changes    []OwnershipChange
	Rebalances int             // generations first seen during the workload
	Unowned    []time.Duration // by partition, during the workload
}

func (l *Ledger) groupReport(end time.Time) GroupReport {
	g := &l.group
	g.mu.Lock()
	defer g.mu.Unlock()
	r := GroupReport{Changes: slices.Clone(g.changes), Unowned: slices.Clone(g.unowned)}
	for p := range g.owner {
		if from := later(g.since[p], g.start); g.owner[p] == -1 && !g.since[p].IsZero() && end.After(from) {
			r.Unowned[p] += end.Sub(from) // still without an owner at the end
		}
	}
	for _, at := range g.gens {
		if !at.Before(g.start) {
			r.Rebalances++
		}
	}
	return r
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
