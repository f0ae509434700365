package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/internal/problem"
)

// Fault is one kind of disturbance. Inject applies it and says what it hit;
// Heal undoes it. A fault value carries its own parameters, decoded from the
// scenario file through its yaml tags.
type Fault interface {
	Inject(ctx context.Context, env *Env, t Target) (hit string, err error)
	Heal(ctx context.Context, env *Env) error
	Acts() Kind
}

// Kind is what a fault acts on (Acts): callers that treat faults by family
// (capacity) ask the fault, not its name.
type Kind string

// The kinds of fault.
const (
	KindBroker   Kind = "broker"   // a broker process, or its place among its peers
	KindNetwork  Kind = "network"  // the path to a broker or a service, through its proxy
	KindConsumer Kind = "consumer" // the kitchen display's members, or consumers beside them
	KindDatabase Kind = "database" // the kitchen display's database server
	KindProducer Kind = "producer" // the workload's producers and what they send
)

// Validator is implemented by faults whose parameters need checking; each
// problem's field is the parameter's yaml key.
type Validator interface {
	Validate() problem.List
}

// Needer is implemented by faults that need a runtime ability (harness
// registry): the runner refuses, before anything starts, a fault the chosen
// runtime cannot inject, since a run whose fault never happened proves nothing.
type Needer interface {
	Needs() harness.Ability
}

// Momentary is implemented by faults that may have nothing to heal (a
// restart; a count of poison records).
type Momentary interface {
	Momentary() bool
}

// IsMomentary reports whether f happens at once, taking no duration.
func IsMomentary(f Fault) bool {
	m, ok := f.(Momentary)
	return ok && m.Momentary()
}

// Brokers is what broker faults need from the cluster; harness.Cluster is one.
type Brokers interface {
	NodeIDs() []int32
	Kill(ctx context.Context, id int32) error
	Stop(ctx context.Context, id int32) error
	Start(ctx context.Context, id int32) error
	Pause(ctx context.Context, id int32) error
	Resume(ctx context.Context, id int32) error
	Proxy(id int32) *toxiproxy.Proxy
}

// Consumers is what consumer faults need from the consumer group.
type Consumers interface {
	// Crash kills member i: after its next poll, or with afterProcessing
	// once that poll is processed but before it is committed.
	Crash(ctx context.Context, i int, afterProcessing bool) error
	// StopMember stops member i gracefully; Restart starts it again.
	StopMember(i int) error
	Restart(i int) error
	Members() int
	// Scale changes the group to n members; Slow sets the processing time
	// per event (0: the configured one).
	Scale(n int) error
	Slow(d time.Duration)
}

// Downstream finds the proxies of services the run started (the order
// service); harness.Cluster is one.
type Downstream interface {
	DownstreamProxy(name string) *toxiproxy.Proxy
}

// Producers is what workload faults need from the running producers.
type Producers interface {
	// Poison makes sends unprocessable: the next count of them, or each
	// with probability fraction until StopPoison.
	Poison(kind string, count int, fraction float64) error
	StopPoison()
}

// TransactionalProducers are the producers of a transactional workload.
type TransactionalProducers interface {
	// Crash kills producer i in the middle of a transaction; it comes
	// back after down.
	Crash(ctx context.Context, i int, down time.Duration) error
}

// Deployments starts consumers of other environments.
type Deployments interface {
	// StartForeign starts a one-member consumer of env on topic in group
	// (empty: the scenario's); stop takes it away again.
	StartForeign(env, topic, group string, guard bool) (stop func(), err error)
}

// Env is everything faults act on.
type Env struct {
	Brokers    Brokers
	Admin      *kadm.Client // resolves "leader of" targets at inject time
	Consumers  Consumers
	Downstream Downstream
	Producers  Producers
	// Transactions crashes transactional producers; nil without them.
	Transactions TransactionalProducers
	Deployments  Deployments
	Database     Database   // the kitchen display's database server; nil when embedded
	Rand         *rand.Rand // seeded: random targets repeat with the seed
}

// kinds is the registry of fault types: an explicit map, no init() magic.
// Each value is the type's zero fault with its defaults, ready to decode
// parameters into.
var kinds = map[string]func() Fault{
	"broker-kill":      func() Fault { return &BrokerKill{} },
	"broker-stop":      func() Fault { return &BrokerStop{} },
	"broker-pause":     func() Fault { return &BrokerPause{} },
	"broker-restart":   func() Fault { return &BrokerRestart{} },
	"broker-partition": func() Fault { return &BrokerPartition{} },
	"latency":          func() Fault { return &Latency{toxics: toxics{def: "downstream"}} },
	"bandwidth":        func() Fault { return &Bandwidth{toxics: toxics{def: "downstream"}} },
	"timeout":          func() Fault { return &Timeout{toxics: toxics{def: "both"}} },
	"reset-peer":       func() Fault { return &ResetPeer{toxics: toxics{def: "both"}} },
	"proxy-down":       func() Fault { return &ProxyDown{} },
	"consumer-crash":   func() Fault { return &ConsumerCrash{} },
	"consumer-stop":    func() Fault { return &ConsumerStop{} },
	"consumer-slow":    func() Fault { return &ConsumerSlow{} },
	"foreign-consumer": func() Fault { return &ForeignConsumer{Env: "pre"} },
	"consumer-scale":   func() Fault { return &ConsumerScale{} },
	"consumer-rolling-restart": func() Fault {
		return &ConsumerRollingRestart{Down: time.Second, Between: 5 * time.Second}
	},
	"poison":         func() Fault { return &Poison{} },
	"producer-crash": func() Fault { return &ProducerCrash{} },
	"db-latency":     func() Fault { return &DBLatency{Latency{toxics: toxics{def: "downstream"}}} },
	"db-bandwidth":   func() Fault { return &DBBandwidth{Bandwidth{toxics: toxics{def: "upstream"}}} }, // the rows go up
	"db-down":        func() Fault { return &DBDown{} },
	"db-lock":        func() Fault { return &DBLock{Table: "orders", Mode: "exclusive"} },
}

// names is the registry read backwards: a typed fault's type name.
var names = func() map[reflect.Type]string {
	out := make(map[reflect.Type]string, len(kinds))
	for name, f := range kinds {
		out[reflect.TypeOf(f())] = name
	}
	return out
}()

// TypeOf is f's type name as a scenario file writes it ("latency" for a
// *Latency), "" for a fault not in the registry.
func TypeOf(f Fault) string { return names[reflect.TypeOf(f)] }

// New returns a zero fault of the named type, ready to decode parameters into.
func New(kind string) (Fault, error) {
	f, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("unknown fault type %q (known: %v)", kind, Kinds())
	}
	return f(), nil
}

// Kinds lists the fault types.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// targeted is implemented by faults whose targets are not brokers.
type targeted interface {
	targets() []string // the target forms it accepts; none: it takes no target
}

// TargetKinds says which target forms a fault accepts.
func TargetKinds(f Fault) []string {
	if t, ok := f.(targeted); ok {
		return t.targets()
	}
	return []string{"node", "leader", "follower", "random", "coordinator"}
}

// Renamer is implemented by faults that name topics or groups themselves.
type Renamer interface {
	Renamed(rename func(string) string) Fault
	Names() (topic, group string)
}
