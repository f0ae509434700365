package harness

import (
	"context"
	"slices"
)

// Ability is something a runtime can do to a running node. Faults that need
// one say so (faults.Needer), and a runtime without it is refused before
// anything starts.
type Ability string

// Abilities. Starting, addressing and closing nodes every runtime can do.
const (
	AbilityKill    Ability = "kill a broker"
	AbilityStop    Ability = "stop a broker gracefully"
	AbilityPause   Ability = "pause a broker"
	AbilityIsolate Ability = "isolate a broker from its peers"
)

// RuntimeOptions are what a registered constructor gets.
type RuntimeOptions struct {
	RunID string
	Image string // the docker runtime's Kafka image
	Logf  func(string, ...any)
	// Clean removes dead runs' leftovers before the run starts.
	Clean Cleaner
}

// Instance is a runtime made by the registry, with the directory it keeps
// the run's files in (removed by Close).
type Instance interface {
	Runtime
	RunDir() string
}

// RuntimeKind is one registered runtime (see package runtimes).
type RuntimeKind struct {
	Name string
	// Abilities are what it can do to a node; an attached runtime's come
	// from the user's hooks instead (external.Hooks.Has).
	Abilities []Ability
	// Usable says whether the runtime can start here (a daemon and its
	// image, a JVM...), and what it found or what is missing.
	Usable func(ctx context.Context, o RuntimeOptions) (ok bool, why string)
	New    func(ctx context.Context, o RuntimeOptions) (Instance, error)
	// Attached runtimes start nothing: they reach a cluster someone else
	// runs (external.Attach), so they are no --runtime choice and have no Usable or New.
	Attached bool
	// Clean removes what its dead runs left beyond run dirs and marked
	// processes (e.g. containers); nil when there is nothing more.
	Clean func(logf func(string, ...any)) ([]string, error)
}

// Can reports whether the runtime has ability a.
func (k RuntimeKind) Can(a Ability) bool { return slices.Contains(k.Abilities, a) }
