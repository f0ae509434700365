package harness

import (
	"context"
	"slices"
	"strings"
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

// RuntimeAuto picks the first usable runtime; it is a choice, not a runtime.
const RuntimeAuto = "auto"

// RuntimeOptions are what a registered constructor gets.
type RuntimeOptions struct {
	RunID string
	Image string // the docker runtime's Kafka image
	Logf  func(string, ...any)
}

// Instance is a runtime made by the registry, with the directory it keeps
// the run's files in (removed by Close).
type Instance interface {
	Runtime
	RunDir() string
}

// RuntimeKind is one registered runtime.
type RuntimeKind struct {
	Name      string
	Abilities []Ability
	// Usable says whether the runtime can start here (a daemon and its
	// image, a JVM...), and what it found or what is missing.
	Usable func(ctx context.Context, o RuntimeOptions) (ok bool, why string)
	New    func(ctx context.Context, o RuntimeOptions) (Instance, error)
}

// runtimeKinds is the registry, in the order auto prefers them. Adding a
// runtime is its implementation plus one entry here.
var runtimeKinds = []RuntimeKind{
	{Name: "docker", Abilities: []Ability{AbilityKill, AbilityStop, AbilityPause, AbilityIsolate},
		Usable: dockerUsable, New: newDocker},
	{Name: "process", Abilities: []Ability{AbilityKill, AbilityStop, AbilityPause},
		Usable: processUsable, New: newProcess},
}

func dockerUsable(ctx context.Context, o RuntimeOptions) (bool, string) {
	return DockerAvailable(ctx, o.Image)
}

func processUsable(context.Context, RuntimeOptions) (bool, string) {
	if err := requireTools("java"); err != nil {
		return false, err.Error()
	}
	return true, "java is installed"
}

func newDocker(ctx context.Context, o RuntimeOptions) (Instance, error) {
	return NewDockerRuntime(ctx, DockerOptions{Image: o.Image, RunID: o.RunID, Logf: o.Logf})
}

func newProcess(ctx context.Context, o RuntimeOptions) (Instance, error) {
	libs, err := KafkaLibs(ctx, DefaultKafkaVersion, o.Logf)
	if err != nil {
		return nil, err
	}
	return NewProcessRuntime(ProcessOptions{Version: DefaultKafkaVersion, LibsDir: libs, RunID: o.RunID, Logf: o.Logf})
}

// RuntimeKinds lists the registered runtimes.
func RuntimeKinds() []RuntimeKind { return slices.Clone(runtimeKinds) }

// LookupRuntime finds a registered runtime by name.
func LookupRuntime(name string) (RuntimeKind, bool) {
	for _, k := range runtimeKinds {
		if k.Name == name {
			return k, true
		}
	}
	return RuntimeKind{}, false
}

// Can reports whether the runtime has ability a.
func (k RuntimeKind) Can(a Ability) bool { return slices.Contains(k.Abilities, a) }

// RuntimesWith names the runtimes that have ability a.
func RuntimesWith(a Ability) []string {
	var out []string
	for _, k := range runtimeKinds {
		if k.Can(a) {
			out = append(out, k.Name)
		}
	}
	return out
}

// RuntimeChoices is what a user may ask for: auto or a runtime's name.
func RuntimeChoices() []string {
	out := []string{RuntimeAuto}
	for _, k := range runtimeKinds {
		out = append(out, k.Name)
	}
	return out
}

// ValidRuntimeChoice reports whether name is auto or a registered runtime.
func ValidRuntimeChoice(name string) bool { return slices.Contains(RuntimeChoices(), name) }

// RuntimeChoicesText is RuntimeChoices for messages: "auto, docker or process".
func RuntimeChoicesText() string { return orList(RuntimeChoices()) }

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
