package spec

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/thresholds"
)

// check collects semantic errors, each pointing at the field's line.
type check struct {
	s    *Scenario
	errs *Errors
	// What the client settings compile to, for the checks that depend on
	// it; dropped with the check: the runner compiles its own.
	cl *compiled
}

type compiled struct {
	producer, output clientconf.ProducerConfig
	consumer         clientconf.ConsumerConfig
}

// at reports at path's line; a field that was never written (a missing
// one) is reported at the nearest enclosing block that was.
func (c check) at(path, format string, args ...any) {
	p := c.s.nearestPos(path)
	msg := fmt.Sprintf(format, args...)
	for _, o := range c.s.Overrides {
		if path == o.Path() || strings.HasPrefix(path, o.Path()+".") {
			msg += " (set by " + o.Source + ")"
		}
	}
	c.errs.add(&Error{File: c.s.File, Line: p.Line, Column: p.Column, Field: path, Msg: msg})
}

// problems reports each problem at its field below base.
func (c check) problems(base string, ps problem.List) {
	for _, p := range ps {
		c.at(problem.Join(base, p.Field), "%s", p.Msg)
	}
}

// written says whether the file wrote path (defaults are not written).
func (c check) written(path string) bool { _, ok := c.s.pos[path]; return ok }

func (s *Scenario) validate(errs *Errors) {
	c := check{s, errs, &compiled{}}
	if !namePattern.MatchString(s.Name) {
		c.at("name", "every scenario needs a name of letters, digits, '.', '_' or '-' (it names the result directory), got %q", s.Name)
	}
	if s.Env != "prod" && s.Env != "pre" {
		c.at("env", "want prod or pre, got %q", s.Env)
	}
	c.requires()
	c.cluster()
	c.topic()
	c.workload()
	c.consumer()
	c.sink()
	c.kitchen()
	c.faults()
	c.assertions()
	c.thresholds()
	c.expect()
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// requires names runtimes the scenario can run on; each must exist.
func (c check) requires() {
	for i, name := range c.s.Requires {
		if _, ok := runtimes.Lookup(name); !ok {
			c.at(fmt.Sprintf("requires[%d]", i), "unknown runtime %q (known: %s)", name, strings.Join(runtimeNames(), ", "))
		}
	}
}

func runtimeNames() []string {
	var out []string
	for _, k := range runtimes.Kinds() {
		out = append(out, k.Name)
	}
	return out
}

func (c check) cluster() {
	cl := c.s.Cluster
	if cl.Nodes < 1 || cl.Nodes > 9 {
		c.at("cluster.nodes", "want 1 to 9 nodes, got %d", cl.Nodes)
	}
	for i, id := range cl.Controllers {
		if id < 1 || int(id) > cl.Nodes {
			c.at(fmt.Sprintf("cluster.controllers[%d]", i), "node %d does not exist (nodes are 1..%d)", id, cl.Nodes)
		}
		if slices.Index(cl.Controllers, id) != i {
			c.at(fmt.Sprintf("cluster.controllers[%d]", i), "node %d listed twice", id)
		}
	}
	for _, kv := range cl.Broker {
		if slices.Contains(harness.ReservedBrokerKeys(), kv.Key) {
			c.at("cluster.broker."+kv.Key, "is set by the harness (every node's listeners and roles come from one builder)")
		}
	}
	for k, v := range cl.Features {
		if v < 0 {
			c.at("cluster.features."+k, "feature levels are not negative")
		}
	}
	if e := cl.External; e != nil {
		const base = "cluster.external"
		e.File, e.base, e.pos = c.s.File, base, map[string]Pos{"": c.s.pos[base]}
		for k, p := range c.s.pos {
			if strings.HasPrefix(k, base+".") {
				e.pos[strings.TrimPrefix(k, base+".")] = p
			}
		}
		e.validate(c.errs, os.LookupEnv)
	}
}

func (c check) topic() {
	t := c.s.Topic
	if t.Partitions < 1 {
		c.at("topic.partitions", "want at least 1 partition")
	}
	if len(t.Assignment) == 0 {
		if t.ReplicationFactor < 1 || int(t.ReplicationFactor) > c.s.Cluster.Nodes {
			c.at("topic.replication_factor", "want 1 to %d (the number of nodes), got %d", c.s.Cluster.Nodes, t.ReplicationFactor)
		}
		return
	}
	if len(t.Assignment) != int(t.Partitions) {
		c.at("topic.assignment", "lists %d partitions but topic.partitions is %d", len(t.Assignment), t.Partitions)
	}
	for i, replicas := range t.Assignment {
		path := fmt.Sprintf("topic.assignment[%d]", i)
		if len(replicas) == 0 {
			c.at(path, "a partition needs at least one replica")
		}
		if t.ReplicationFactor != 0 && len(replicas) != int(t.ReplicationFactor) {
			c.at(path, "has %d replicas but replication_factor is %d", len(replicas), t.ReplicationFactor)
		}
		for j, id := range replicas {
			if id < 1 || int(id) > c.s.Cluster.Nodes || slices.Index(replicas, id) != j {
				c.at(path, "replica %d is not a distinct node of 1..%d", id, c.s.Cluster.Nodes)
			}
		}
	}
}

func (c check) workload() {
	w := &c.s.Workload
	c.phases()
	if w.Rate <= 0 && len(w.Phases) == 0 {
		c.at("workload.rate", "want a positive rate (records/s)")
	}
	if w.Producers < 1 || w.Producers > 64 {
		c.at("workload.producers", "want 1 to 64 producers")
	}
	if w.Duration <= 0 && len(w.Phases) == 0 {
		c.at("workload.duration", "want a positive duration")
	}
	if w.Merchants < 1 {
		c.at("workload.merchants", "want at least 1 merchant")
	}
	if w.MessageSize < 1 || w.MessageSize > 1<<20 {
		c.at("workload.message_size", "want 1 byte to 1 MiB")
	}
	switch w.Client {
	case ClientFranz:
		var bad problem.List
		c.cl.producer, bad = clientconf.ProducerOptions(w.Producer.Client())
		c.problems("workload.producer", bad)
	case ClientJava:
		c.javaSettings("workload.producer", w.Producer, javaProducerOwned)
		c.cl.producer = clientconf.JavaProducerConfig(w.Producer.Map())
		c.javaRefusals()
	default:
		c.at("workload.client", "want %s or %s, got %q", ClientFranz, ClientJava, w.Client)
	}
	if t := w.Transactions; t != nil {
		if c.written("workload.transactions") && w.Producer.Map()["transactional.id"] == "" {
			c.at("workload.transactions", "transactions need a transactional.id under workload.producer")
		}
		if t.Records < 1 || t.Records > 100000 {
			c.at("workload.transactions.records", "want 1 to 100000 records per transaction, got %d", t.Records)
		}
		if !(t.AbortRate >= 0 && t.AbortRate < 1) {
			c.at("workload.transactions.abort_rate", "want a share of transactions from 0 up to (not including) 1, got %v", t.AbortRate)
		}
	}
}

// phases checks the load shape; with phases, rate and duration are theirs.
func (c check) phases() {
	w := &c.s.Workload
	if w.Phases == nil {
		return
	}
	if len(w.Phases) == 0 {
		c.at("workload.phases", "want at least one phase, or no phases field (one steady phase of rate for duration)")
	}
	for _, k := range []string{"rate", "duration"} {
		if c.written("workload." + k) {
			c.at("workload."+k, "with phases, each phase has its own %s: remove workload.%s", k, k)
		}
	}
	for i, p := range w.Phases {
		path := fmt.Sprintf("workload.phases[%d]", i)
		kind, ps := load.KindOf(p.Type)
		if ps == nil {
			ps = p.Load().Check()
		}
		if ps != nil {
			c.problems(path, ps)
			continue
		}
		// A field that does not belong to the phase's type is refused, not ignored.
		for _, field := range []string{"rate", "from", "to", "duration", "records"} {
			if c.written(path+"."+field) && !kind.Takes(field) {
				c.at(path+"."+field, "a %s phase takes no %s", p.Type, field)
			}
		}
	}
}

func (c check) consumer() {
	cs := &c.s.Consumer
	if cs.Instances < 1 || cs.Instances > 32 {
		c.at("consumer.instances", "want 1 to 32 instances")
	}
	if cs.Workers < 1 || cs.Workers > 256 {
		c.at("consumer.workers", "want 1 to 256 workers")
	}
	if c.s.Workload.Java() {
		c.javaSettings("consumer.config", cs.Config, javaConsumerOwned)
		c.cl.consumer = clientconf.JavaConsumerConfig(cs.Config.Map())
		return
	}
	var bad problem.List
	c.cl.consumer, bad = clientconf.ConsumerOptions(cs.Config.Client())
	c.problems("consumer.config", bad)
	c.output()
}

// Settings the Java workload sets itself: the scenario may not.
var (
	javaProducerOwned = map[string]string{
		"bootstrap.servers": "chaosrun points the client at the cluster's proxies",
		"key.serializer":    "the workload sends its own keys as bytes",
		"value.serializer":  "the workload sends its own values as bytes",
		"transactional.id":  "transactions run on franz-go only so far (client: franz-go)",
	}
	javaConsumerOwned = map[string]string{
		"bootstrap.servers":  "chaosrun points the client at the cluster's proxies",
		"group.id":           "set the group under consumer.group",
		"key.deserializer":   "the kitchen display reads keys as bytes",
		"value.deserializer": "the kitchen display reads values as bytes",
	}
)

// javaSettings refuses the settings chaosrun owns on the Java client; every
// other name goes to the client untouched, which refuses what it does not
// know before the run starts.
func (c check) javaSettings(path string, settings Settings, owned map[string]string) {
	for _, st := range settings {
		if why, ok := owned[st.Key]; ok {
			c.at(path+"."+st.Key, "not settable on the Java workload: %s", why)
		}
	}
}

// javaRefusals refuses what the Java workload does not do yet.
func (c check) javaRefusals() {
	s := c.s
	refuse := func(path, what string) {
		c.at(path, "%s is not supported with workload.client: java yet (use client: franz-go)", what)
	}
	if c.written("workload.transactions") {
		refuse("workload.transactions", "a transactional producer")
	}
	if s.Consumer.Output != nil {
		refuse("consumer.output", "a consume-transform-produce pipeline")
	}
	if p := s.Consumer.Policy(); p.DeadLetters() {
		refuse("consumer.on_failure", p.Name()+" (the member would have to produce)")
	}
	if s.Cluster.External != nil {
		refuse("cluster.external", "an external cluster (the Java client cannot be routed through chaosrun's proxies)")
	}
}

// output checks the pipeline's output topic and its producer.
func (c check) output() {
	o := c.s.Consumer.Output
	if o == nil {
		return
	}
	cs := &c.s.Consumer
	for _, other := range []struct{ path, name string }{{"topic.name", c.s.Topic.Name}, {"consumer.dead_letter_topic", cs.DeadLetterTopic}} {
		if o.Topic == other.name {
			c.at("consumer.output.topic", "%q is already %s", o.Topic, other.path)
		}
	}
	if p := cs.Policy(); p.Parks() {
		c.at("consumer.on_failure", "%s applies events outside any poll, where a pipeline cannot forward their results: %s", p.Name(), forwarding())
	}
	for _, st := range o.Producer {
		if st.Key == "client.id" {
			c.at("consumer.output.producer.client.id", "a member consumes and forwards with one client: its client.id is consumer.config's")
		}
	}
	var bad problem.List
	if c.cl.output, bad = clientconf.ProducerOptions(o.Producer.Client()); bad != nil {
		c.problems("consumer.output.producer", bad)
		return
	}
	if c.cl.output.TransactionalID == "" {
		return
	}
	// The transactional pipeline commits its offsets in its transactions.
	if c.cl.consumer.AutoCommit {
		c.at("consumer.config.enable.auto.commit", "a transactional pipeline commits its input offsets in its transactions: not with enable.auto.commit=true")
	}
	if c.written("consumer.config.max.poll.interval.ms") {
		c.at("consumer.config.max.poll.interval.ms", "a transactional pipeline's member is not put out of the group by a slow poll here (franz-go's session keeps it); only the rebalance timeout applies: remove the setting")
	}
}

func (c check) sink() {
	kind, ok := kitchendb.LookupSink(c.s.Sink.Type)
	if !ok {
		c.at("sink.type", "unknown kitchen database %q (known: %s)", c.s.Sink.Type, strings.Join(kitchendb.SinkNames(), ", "))
	}
	if c.s.Sink.URL == "" {
		return
	}
	if ok && kind.Server == nil {
		c.at("sink.url", "a %s database is embedded: it takes no url", kind.Name)
		return
	}
	if ok {
		c.problems("sink.url", kind.Server.CheckURL(c.s.Sink.URL))
	}
}

func (c check) faults() {
	for i, f := range c.s.Faults {
		c.fault(f, fmt.Sprintf("faults[%d]", i))
	}
}

func (c check) fault(f Fault, path string) {
	if f.Fault == nil {
		return
	}
	momentary := faults.IsMomentary(f.Fault)
	switch {
	case momentary && f.Duration != 0:
		c.at(path+".duration", "%s happens at once; it takes no duration", f.Type)
	case !momentary && f.Duration <= 0:
		c.at(path+".duration", "%s needs a duration (when to heal it), e.g. 15s", f.Type)
	}
	if co, ok := f.Fault.(interface {
		Course(members int) time.Duration
	}); ok {
		if took := co.Course(c.s.Consumer.Instances); f.At+took > c.s.Workload.Duration {
			c.at(path+".at", "%s takes %s with %d members: it must be over by the end of the workload (at %s + %s > %s)",
				f.Type, took, c.s.Consumer.Instances, f.At, took, c.s.Workload.Duration)
		}
	}
	if fe, ok := f.Fault.(interface{ ForeignEnv() string }); ok && fe.ForeignEnv() == c.s.Env {
		c.at(path+".env", "the foreign consumer's env must differ from the scenario's (%s): it stands for another environment's deployment", c.s.Env)
	}
	if f.At+f.Duration > c.s.Workload.Duration {
		c.at(path+".at", "the fault must be over by the end of the workload (at %s + duration %s > %s)",
			f.At, f.Duration, c.s.Workload.Duration)
	}
	c.problems(path, faults.ValidateTarget(f.Fault, f.Target))
	c.targetTopic(f, path)
	if f.Target.Node > int32(c.s.Cluster.Nodes) {
		c.at(path+".target.node", "node %d does not exist (nodes are 1..%d)", f.Target.Node, c.s.Cluster.Nodes)
	}
	if f.Target.Consumer != nil && *f.Target.Consumer >= c.s.Consumer.Instances {
		c.at(path+".target.consumer", "consumer %d does not exist (instances are 0..%d)", *f.Target.Consumer, c.s.Consumer.Instances-1)
	}
	c.needsLookup(f, path)
	c.transactionalFault(f, path)
	if a, ok := f.Fault.(interface{ AfterProcessing() bool }); ok && a.AfterProcessing() && c.cl.consumer.AutoCommit {
		c.at(path+".when", "with enable.auto.commit the consumer commits before processing: there is no moment after processing and before the commit")
	}
	if v, ok := f.Fault.(faults.Validator); ok {
		c.problems(path, v.Validate())
	}
}

// transactionalFault checks what a fault needs of the transactions: a
// crashed producer must be transactional, a coordinator target must be a
// transactional.id the run uses.
func (c check) transactionalFault(f Fault, path string) {
	w := c.s.Workload
	if pc, ok := f.Fault.(interface{ CrashedProducer() int }); ok {
		switch {
		case w.Transactions == nil:
			c.at(path+".type", "%s crashes a producer mid-transaction: the producers need a transactional.id (workload.producer)", f.Type)
		case pc.CrashedProducer() >= w.Producers:
			c.at(path+".producer", "producer %d does not exist (producers are 0..%d)", pc.CrashedProducer(), w.Producers-1)
		case w.Transactions.Records < 2:
			c.at(path+".type", "%s crashes a producer in the middle of a transaction: transactions of one record have no middle (workload.transactions.records)", f.Type)
		}
	}
	id := f.Target.Coordinator
	if id == "" {
		return
	}
	ids := clientconf.TransactionalIDs(c.cl.producer.TransactionalID, w.Producers, c.cl.output.TransactionalID, c.s.Consumer.Instances)
	switch {
	case len(ids) == 0:
		c.at(path+".target.coordinator", "nothing in this scenario is transactional: no transactional.id under workload.producer or consumer.output.producer")
	case !slices.Contains(ids, id):
		c.at(path+".target.coordinator", "%q is not a transactional id of this run (each producer and member adds its index: %s)", id, strings.Join(ids, ", "))
	}
}

// targetTopic keeps leader/follower targets on the scenario's own topic,
// where they can resolve when the fault fires.
func (c check) targetTopic(f Fault, path string) {
	for _, k := range []struct {
		kind string
		tp   *faults.TopicPartition
	}{{"leader", f.Target.Leader}, {"follower", f.Target.Follower}} {
		switch {
		case k.tp == nil:
		case k.tp.Topic != c.s.Topic.Name:
			c.at(path+".target."+k.kind, "topic %q is not the scenario's topic %q", k.tp.Topic, c.s.Topic.Name)
		case k.tp.Partition >= c.s.Topic.Partitions:
			c.at(path+".target."+k.kind, "partition %d does not exist (the topic has %d)", k.tp.Partition, c.s.Topic.Partitions)
		case k.kind == "follower" && c.s.Topic.ReplicationFactor == 1:
			c.at(path+".target.follower", "a topic with one replica has no follower")
		}
	}
}

func (c check) expect() {
	e := c.s.Expect
	switch e.Verdict {
	case "pass":
		if len(e.Failing) > 0 {
			c.at("expect.failing", "a scenario expected to pass names no failing assertions")
		}
	case "fail":
		if len(e.Failing) == 0 {
			c.at("expect.failing", "a negative control must name the assertions it expects to fail")
		}
	default:
		c.at("expect.verdict", "want pass or fail, got %q", e.Verdict)
	}
	for i, name := range e.Failing {
		if !slices.Contains(assertions.Names(), name) && !slices.ContainsFunc(c.s.Limits, func(t thresholds.Threshold) bool { return t.Text == name }) {
			c.at(fmt.Sprintf("expect.failing[%d]", i), "unknown assertion %q (known: %v, and the scenario's thresholds as written)", name, assertions.Names())
		}
	}
}

// thresholds parses each threshold; the runner judges them after the run.
func (c check) thresholds() {
	c.s.Limits = nil
	for i, text := range c.s.Thresholds {
		t, err := thresholds.Parse(text)
		if err != nil {
			c.at(fmt.Sprintf("thresholds[%d]", i), "%v", err)
			continue
		}
		if slices.ContainsFunc(c.s.Limits, func(o thresholds.Threshold) bool { return o.Text == t.Text }) {
			c.at(fmt.Sprintf("thresholds[%d]", i), "%q is written twice", t.Text)
		}
		c.s.Limits = append(c.s.Limits, t)
	}
}
