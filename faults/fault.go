package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaosrun/chaosrun/harness"
)

// Fault is one kind of disturbance. Inject applies it and says what it hit;
// Heal undoes it. A fault value carries its own parameters, decoded from the
// scenario file through its yaml tags.
type Fault interface {
	Inject(ctx context.Context, env *Env, t Target) (hit string, err error)
	Heal(ctx context.Context, env *Env) error
}

// Validator is implemented by faults whose parameters need checking.
type Validator interface {
	Validate() []FieldError
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

// FieldError is a bad parameter, named by its yaml key.
type FieldError struct {
	Field string
	Msg   string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

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
var kinds = map[string]func() Fault{
	"broker-kill":      func() Fault { return &brokerKill{} },
	"broker-stop":      func() Fault { return &brokerStop{} },
	"broker-pause":     func() Fault { return &brokerPause{} },
	"broker-restart":   func() Fault { return &brokerRestart{} },
	"broker-partition": func() Fault { return &brokerPartition{} },
	"latency":          func() Fault { return &latency{toxicOp: toxicOp{defStream: "downstream"}} },
	"bandwidth":        func() Fault { return &bandwidth{toxicOp: toxicOp{defStream: "downstream"}} },
	"timeout":          func() Fault { return &timedToxic{toxicOp: toxicOp{defStream: "both"}, kind: "timeout"} },
	"reset-peer":       func() Fault { return &timedToxic{toxicOp: toxicOp{defStream: "both"}, kind: "reset_peer"} },
	"proxy-down":       func() Fault { return &proxyDown{} },
	"consumer-crash":   func() Fault { return &consumerCrash{} },
	"consumer-stop":    func() Fault { return &consumerStop{} },
	"consumer-slow":    func() Fault { return &consumerSlow{} },
	"foreign-consumer": func() Fault { return &foreignConsumer{Env: "pre"} },
	"consumer-scale":   func() Fault { return &consumerScale{} },
	"consumer-rolling-restart": func() Fault {
		return &rollingRestart{Down: time.Second, Between: 5 * time.Second}
	},
	"poison":         func() Fault { return &poison{} },
	"producer-crash": func() Fault { return &producerCrash{} },
	"db-latency":     func() Fault { return &dbLatency{latency{toxicOp: toxicOp{defStream: "downstream"}}} },
	"db-bandwidth":   func() Fault { return &dbBandwidth{bandwidth{toxicOp: toxicOp{defStream: "upstream"}}} }, // the rows go up
	"db-down":        func() Fault { return &dbDown{} },
	"db-lock":        func() Fault { return &dbLock{Table: "orders", Mode: "exclusive"} },
}

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
