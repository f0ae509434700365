package spec

import (
	"fmt"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/kitchen"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/orderservice"
	"github.com/chaosrun/chaosrun/thresholds"
)

// Scenario is one scenario file: a cluster, a workload, faults on a schedule,
// the thresholds its assertions judge by, and what the run is expected to show.
type Scenario struct {
	Name        string        `yaml:"name"`
	Description string        `yaml:"description"`
	Seed        uint64        `yaml:"seed"`
	Env         string        `yaml:"env"`
	Requires    []string      `yaml:"requires"` // runtimes the scenario can run on; empty: any that fits its faults
	Cluster     Cluster       `yaml:"cluster"`
	Topic       Topic         `yaml:"topic"`
	Workload    Workload      `yaml:"workload"`
	Consumer    Consumer      `yaml:"consumer"`
	Sink        Sink          `yaml:"sink"`
	Service     *OrderService `yaml:"order_service"`
	Faults      []Fault       `yaml:"faults"`
	Assertions  Assertions    `yaml:"assertions"`
	// Thresholds limit figures of the result ("produce_ack.p99 < 500ms"),
	// each judged like an assertion; Limits are them parsed.
	Thresholds []string `yaml:"thresholds"`
	Expect     Expect   `yaml:"expect"`

	Limits    []thresholds.Threshold `yaml:"-"`
	Overrides []Override             `yaml:"-"` // applied on top of the file (a gate's --set)
	File      string                 `yaml:"-"`
	pos       map[string]Pos         // field path → where it was written
}

// Cluster is the Kafka cluster to start.
type Cluster struct {
	Nodes       int            `yaml:"nodes"`       // default 3
	Controllers []int32        `yaml:"controllers"` // KRaft voters; default every node
	Broker      Settings       `yaml:"broker"`      // server.properties overrides
	Features    map[string]int `yaml:"features"`    // storage format feature levels
	// External names a cluster that exists already: nothing is started,
	// and the fields above are requirements it is checked against.
	External *External `yaml:"external"`
}

// Topic is the topic the workload runs on; it is created fresh for each run.
type Topic struct {
	Name              string    `yaml:"name"`               // default orders
	Partitions        int32     `yaml:"partitions"`         // default 6
	ReplicationFactor int16     `yaml:"replication_factor"` // default min(3, nodes)
	Assignment        [][]int32 `yaml:"assignment"`         // optional replica list per partition
	Config            Settings  `yaml:"config"`
}

// Workload is the producing side of the order workload.
type Workload struct {
	Phases      []Phase        `yaml:"phases"`       // load shape; instead of rate and duration
	Rate        float64        `yaml:"rate"`         // records/s over all producers; default 1000
	Producers   int            `yaml:"producers"`    // default 2
	Duration    time.Duration  `yaml:"duration"`     // default 30s
	Key         orders.KeyMode `yaml:"key"`          // order (default), merchant, none
	Merchants   int            `yaml:"merchants"`    // default 100
	MessageSize int            `yaml:"message_size"` // bytes, default 256
	// Client runs producers and kitchen display on franz-go (default) or
	// on the Apache Kafka Java client (java), with the same settings.
	Client   string   `yaml:"client"`
	Producer Settings `yaml:"producer"` // Java producer settings
	// Transactions shapes the transactions of producers with a
	// transactional.id; default 10 records each, none aborted on purpose.
	Transactions *Transactions `yaml:"transactions"`
}

// The clients a workload can run on.
const (
	ClientFranz = "franz-go"
	ClientJava  = "java"
)

// Java says whether the workload runs on the Java client.
func (w Workload) Java() bool { return w.Client == ClientJava }

// Transactions are the transactional producers' transactions.
type Transactions struct {
	Records   int     `yaml:"records"`    // sends per transaction (default 10)
	AbortRate float64 `yaml:"abort_rate"` // share of transactions aborted on purpose, seeded (default 0)
}

// Phase is one stretch of the load shape.
type Phase struct {
	Type     string        `yaml:"type"`     // a load.Kind by name: steady, ramp or flood
	Rate     float64       `yaml:"rate"`     // steady: records/s
	From     float64       `yaml:"from"`     // ramp: records/s at its start
	To       float64       `yaml:"to"`       // ramp: records/s at its end
	Duration time.Duration `yaml:"duration"` // steady, ramp
	Records  int64         `yaml:"records"`  // flood: records sent as fast as the producers can
}

// Load is the phase as the producers run it.
func (p Phase) Load() load.Phase {
	kind, _ := load.KindOf(p.Type) // nil for a name validation refuses
	return load.Phase{Kind: kind, Rate: p.Rate, From: p.From, To: p.To, Duration: p.Duration, Records: p.Records}
}

// Consumer is the kitchen display consumer group.
type Consumer struct {
	Group          string        `yaml:"group"`           // default kitchen-display
	Instances      int           `yaml:"instances"`       // default 2
	Workers        int           `yaml:"workers"`         // per instance, default 4
	ProcessingTime time.Duration `yaml:"processing_time"` // simulated work per event
	Config         Settings      `yaml:"config"`          // Java consumer settings

	OnFailure       string        `yaml:"on_failure"`        // a kitchen.Policy by name: block (default), skip, retry-table, dead-letter
	MaxAttempts     int           `yaml:"max_attempts"`      // dead-letter: tries; retry-table: retries before giving up (default 3)
	RetryBackoff    time.Duration `yaml:"retry_backoff"`     // after a failed try, growing (default 100ms)
	DeadLetterTopic string        `yaml:"dead_letter_topic"` // default <topic>.dlq
	Lookup          *Lookup       `yaml:"lookup"`            // ask the order service for each order's dishes
	Output          *Output       `yaml:"output"`            // forward each processed record (consume-transform-produce)
}

// Output makes the kitchen display a consume-transform-produce stage: each
// processed record is forwarded to the output topic; with a
// transactional.id, results and input offsets commit in one transaction.
type Output struct {
	Topic    string   `yaml:"topic"`    // default <topic>.tickets
	Producer Settings `yaml:"producer"` // Java producer settings of the forwarding producer
}

// Lookup is the kitchen display's call to the order service.
type Lookup struct {
	Timeout    time.Duration `yaml:"timeout"`     // per lookup (default 1s)
	RetryEmpty bool          `yaml:"retry_empty"` // an empty or partial answer is a failure (seed 001's fix)
}

// OrderService is the order system's query service the run starts.
type OrderService struct {
	ServiceTime time.Duration `yaml:"service_time"` // per request
	Capacity    int           `yaml:"capacity"`     // requests served at once; 0: unlimited
	Overload    string        `yaml:"overload"`     // beyond capacity: reject (503, default) or queue
	ReplicaLag  time.Duration `yaml:"replica_lag"`  // details readable only this long after the order was written
	StaleReads  string        `yaml:"stale_reads"`  // inside the lag: partial (default) or not-found
}

// Service is the order service these settings start.
func (o *OrderService) Service() orderservice.ServiceSpec {
	return orderservice.ServiceSpec{ServiceTime: o.ServiceTime, Capacity: o.Capacity, Overload: o.Overload,
		ReplicaLag: o.ReplicaLag, StaleReads: o.StaleReads}
}

// Sink is the kitchen display's database.
type Sink struct {
	Type string `yaml:"type"` // a kitchendb sink kind; default sqlite
	Mode string `yaml:"mode"` // upsert (default, idempotent) or insert (seed 000's plain INSERT)
	// URL names an existing database server (postgres); empty: the run
	// starts its own. Its password never appears in output or results.
	URL string `yaml:"url"`
	// Batch: each worker writes up to this many of the events it holds in
	// one multi-row upsert (the fix for a write that costs a round trip);
	// 0: one write per event.
	Batch int `yaml:"batch"`
}

// Assertions are the thresholds verdicts are judged by: one field per
// threshold in assertions.Catalog, under its Key.
type Assertions struct {
	assertions.Criteria
}

// Expect says what a run should show: pass, or fail with named assertions
// (a negative control: a configuration that really loses, reorders or lags).
type Expect struct {
	Verdict string   `yaml:"verdict"` // pass (default) or fail
	Failing []string `yaml:"failing"` // assertions that must fail when verdict is fail
}

// Pos returns where a field was written, e.g. Pos("workload.producer.acks").
func (s *Scenario) Pos(path string) Pos { return s.pos[path] }

// nearestPos is where path was written or, when it was not, where its
// closest written parent was ("faults[1].duration" → "faults[1]"); the
// document's start for a missing top-level field.
func (s *Scenario) nearestPos(path string) Pos { return nearestIn(s.pos, path) }

// nearestIn is where path, or its closest written parent, is in pos.
func nearestIn(pos map[string]Pos, path string) Pos {
	for path != "" {
		if p, ok := pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return pos[""]
}

// ErrorAt builds a bad-input error pointing at a field of this scenario.
func (s *Scenario) ErrorAt(path, msg string) *Errors {
	p := s.nearestPos(path)
	return &Errors{List: []*Error{{File: s.File, Line: p.Line, Column: p.Column, Field: path, Msg: msg}}}
}

// applyDefaults fills fields the file left out. A field written explicitly,
// even as 0, keeps its value, so validation can refuse a meaningless zero
// instead of silently replacing it.
func (s *Scenario) applyDefaults() {
	unset := func(path string) bool { _, written := s.pos[path]; return !written }
	defInt := func(path string, v *int, d int) {
		if unset(path) {
			*v = d
		}
	}
	defInt("cluster.nodes", &s.Cluster.Nodes, 3)
	defInt("workload.producers", &s.Workload.Producers, 2)
	defInt("workload.merchants", &s.Workload.Merchants, 100)
	defInt("workload.message_size", &s.Workload.MessageSize, 256)
	defInt("consumer.instances", &s.Consumer.Instances, 2)
	defInt("consumer.workers", &s.Consumer.Workers, 4)
	defStr := func(path string, v *string, d string) {
		if unset(path) {
			*v = d
		}
	}
	defStr("env", &s.Env, "prod")
	defStr("workload.client", &s.Workload.Client, ClientFranz)
	defStr("topic.name", &s.Topic.Name, "orders")
	defStr("consumer.group", &s.Consumer.Group, "kitchen-display")
	defStr("sink.type", &s.Sink.Type, kitchendb.DefaultSink())
	defStr("expect.verdict", &s.Expect.Verdict, "pass")
	defDur := func(path string, v *time.Duration, d time.Duration) {
		if unset(path) {
			*v = d
		}
	}
	if len(s.Workload.Phases) > 0 && unset("workload.duration") {
		// The timed phases are how long the workload lasts at least.
		s.Workload.Duration = load.Timed(s.Workload.Load())
	} else {
		defDur("workload.duration", &s.Workload.Duration, 30*time.Second)
	}
	if unset("workload.key") {
		s.Workload.Key = orders.KeyOrder
	}
	for _, t := range assertions.Thresholds() {
		if unset("assertions." + t.Key) {
			t.SetDefault(&s.Assertions.Criteria)
		}
	}
	if unset("topic.partitions") {
		s.Topic.Partitions = 6
	}
	if unset("topic.replication_factor") && len(s.Topic.Assignment) == 0 {
		s.Topic.ReplicationFactor = int16(min(3, s.Cluster.Nodes))
	}
	if unset("workload.rate") && len(s.Workload.Phases) == 0 {
		s.Workload.Rate = 1000
	}
	defStr("sink.mode", &s.Sink.Mode, kitchendb.ModeUpsert)
	defStr("consumer.on_failure", &s.Consumer.OnFailure, kitchen.Block.Name())
	defStr("consumer.dead_letter_topic", &s.Consumer.DeadLetterTopic, s.Topic.Name+".dlq")
	defInt("consumer.max_attempts", &s.Consumer.MaxAttempts, 3)
	defDur("consumer.retry_backoff", &s.Consumer.RetryBackoff, 100*time.Millisecond)
	if s.Consumer.Lookup != nil {
		defDur("consumer.lookup.timeout", &s.Consumer.Lookup.Timeout, time.Second)
	}
	if s.Workload.Transactions == nil && s.Workload.Producer.Map()["transactional.id"] != "" {
		s.Workload.Transactions = &Transactions{}
	}
	if t := s.Workload.Transactions; t != nil {
		defInt("workload.transactions.records", &t.Records, 10)
	}
	if o := s.Consumer.Output; o != nil {
		defStr("consumer.output.topic", &o.Topic, s.Topic.Name+".tickets")
	}
}

// SetsRetention says whether the scenario configures retention (on the
// topic or the brokers), so records may be deleted while the run lasts and
// the ledger must keep their positions to tell retention from loss.
func (s *Scenario) SetsRetention() bool {
	for _, st := range s.Topic.Config {
		if strings.HasPrefix(st.Key, "retention.") {
			return true
		}
	}
	for _, st := range s.Cluster.Broker {
		if strings.HasPrefix(st.Key, "log.retention.") && st.Key != "log.retention.check.interval.ms" {
			return true
		}
	}
	return false
}

// Load is the workload's load shape: its phases, or one steady phase.
func (w Workload) Load() []load.Phase {
	if len(w.Phases) == 0 {
		return []load.Phase{{Kind: load.Steady, Rate: w.Rate, Duration: w.Duration}}
	}
	out := make([]load.Phase, len(w.Phases))
	for i, p := range w.Phases {
		out[i] = p.Load()
	}
	return out
}

// LineOf is the line a verdict's cause is written at, for annotations: a
// threshold's own line; an assertion's threshold under assertions: when
// the file sets one; its entry in expect.failing; else the scenario's
// first line.
func (s *Scenario) LineOf(verdict string) int {
	for i, t := range s.Limits {
		if t.Text == verdict {
			if p := s.Pos(fmt.Sprintf("thresholds[%d]", i)); p.Line > 0 {
				return p.Line
			}
		}
	}
	for _, a := range assertions.Catalog {
		if a.Name != verdict {
			continue
		}
		for _, t := range a.Thresholds {
			if p := s.Pos("assertions." + t.Key); p.Line > 0 {
				return p.Line
			}
		}
	}
	for i, name := range s.Expect.Failing {
		if name == verdict {
			if p := s.Pos(fmt.Sprintf("expect.failing[%d]", i)); p.Line > 0 {
				return p.Line
			}
		}
	}
	return max(s.Pos("").Line, 1)
}
