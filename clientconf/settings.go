package clientconf

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Setting is one client setting in the Java client's name, as a user wrote it.
type Setting struct {
	Key   string
	Value string
}

// ProducerConfig is a producer configuration mapped onto franz-go.
type ProducerConfig struct {
	Opts       []kgo.Opt
	Resolved   map[string]string // every known setting with its effective value
	Idempotent bool
	Acks       string
	// TransactionalID is transactional.id: each producer uses it with its
	// index appended (TransactionalIDFor), as ids must be distinct.
	TransactionalID string
	// DeliveryTimeout is delivery.timeout.ms: a send not acked within it
	// fails, as in the Java client (see expiry).
	DeliveryTimeout time.Duration
	// MaxBlock is max.block.ms, BufferMemory buffer.memory: a send that
	// finds the buffer full waits at most MaxBlock for room, then fails.
	MaxBlock     time.Duration
	BufferMemory int64
	// Notes say where franz-go still behaves unlike the Java client for a
	// setting the scenario sets.
	Notes []string
}

// ConsumerConfig is a consumer configuration mapped onto franz-go.
type ConsumerConfig struct {
	Opts     []kgo.Opt
	Resolved map[string]string
	// AutoCommit is the naive mode (enable.auto.commit=true): what polls
	// returned is committed every AutoCommitInterval when the member polls
	// (and when it gives partitions up or closes), processed or not.
	AutoCommit         bool
	AutoCommitInterval time.Duration
	MaxPollRecords     int
	// MaxPollInterval is how long processing one poll may take before the
	// member is out of the group (the Java client's poll timeout).
	MaxPollInterval time.Duration
	Static          bool // group.instance.id is set: a static member
	// Notes say where franz-go still behaves unlike the Java client.
	Notes []string
}

// BlockRebalance says whether a poll holds rebalances off until the member
// allows them again (after its commit): the commit-after-processing mode.
func (c ConsumerConfig) BlockRebalance() bool { return !c.AutoCommit }

// knob maps one Java client setting onto franz-go.
type knob struct {
	def   string // the effective default, as the Java client documents it (or franz-go's where it differs)
	apply func(v string, c *clientBuild) error
}

// clientBuild collects options while settings are applied.
type clientBuild struct {
	opts            []kgo.Opt
	acks            string
	idempotence     string // "" when not set explicitly
	txnID           string
	inflight        int
	retries         int
	autoCommit      bool
	maxPoll         int
	pollTimeout     time.Duration
	autoCommitEvery time.Duration
	// The retry backoff, built once both bounds are known.
	backoff, backoffMax time.Duration
}

var producerKnobs = map[string]knob{
	"acks": {"all", func(v string, c *clientBuild) error {
		switch v {
		case "all", "-1":
			c.acks = "all"
			c.opts = append(c.opts, kgo.RequiredAcks(kgo.AllISRAcks()))
		case "1":
			c.acks = "1"
			c.opts = append(c.opts, kgo.RequiredAcks(kgo.LeaderAck()))
		case "0":
			c.acks = "0"
			c.opts = append(c.opts, kgo.RequiredAcks(kgo.NoAck()))
		default:
			return fmt.Errorf("want all, -1, 1 or 0")
		}
		return nil
	}},
	"enable.idempotence": {"true", func(v string, c *clientBuild) error {
		if _, err := parseBool(v); err != nil {
			return err
		}
		c.idempotence = v
		return nil
	}},
	"retries": {"2147483647", func(v string, c *clientBuild) error {
		n, err := parseInt(v, 0)
		if err != nil {
			return err
		}
		c.retries = n
		c.opts = append(c.opts, kgo.RecordRetries(n))
		return nil
	}},
	"linger.ms":           {"5", msOpt(func(d time.Duration) kgo.Opt { return kgo.ProducerLinger(d) })},
	"max.block.ms":        {"60000", func(v string, c *clientBuild) error { _, err := parseInt(v, 0); return err }},
	"batch.size":          {"16384", intOpt(1, func(n int) kgo.Opt { return kgo.ProducerBatchMaxBytes(int32(n)) })},
	"delivery.timeout.ms": {"120000", func(v string, c *clientBuild) error { _, err := parseInt(v, 0); return err }},
	"request.timeout.ms":  {"30000", msOpt(func(d time.Duration) kgo.Opt { return kgo.ProduceRequestTimeout(d) })},
	// Both bounds of the Java client's exponential backoff (see javaBackoff).
	"retry.backoff.ms": {"100", func(v string, c *clientBuild) error {
		n, err := parseInt(v, 0)
		c.backoff = time.Duration(n) * time.Millisecond
		return err
	}},
	"retry.backoff.max.ms": {"1000", func(v string, c *clientBuild) error {
		n, err := parseInt(v, 0)
		c.backoffMax = time.Duration(n) * time.Millisecond
		return err
	}},
	"max.in.flight.requests.per.connection": {"5", func(v string, c *clientBuild) error {
		n, err := parseInt(v, 1)
		if err != nil {
			return err
		}
		c.inflight = n // applied only without idempotence, where franz-go allows it
		return nil
	}},
	"buffer.memory":    {"33554432", intOpt(1, func(n int) kgo.Opt { return kgo.MaxBufferedBytes(n) })},
	"compression.type": {"none", compression},
	"client.id":        {"chaosrun-producer", stringOpt(kgo.ClientID)},
	"transactional.id": {"", func(v string, c *clientBuild) error {
		if v == "" {
			return fmt.Errorf("must not be empty")
		}
		c.txnID = v
		return nil
	}},
	"transaction.timeout.ms": {"60000", msOpt(func(d time.Duration) kgo.Opt { return kgo.TransactionTimeout(d) })},
}

var consumerKnobs = map[string]knob{
	"enable.auto.commit": {"false", func(v string, c *clientBuild) error {
		b, err := parseBool(v)
		c.autoCommit = b
		return err
	}},
	// As in the Java client: due commits are made when the member polls.
	"auto.commit.interval.ms": {"5000", func(v string, c *clientBuild) error {
		n, err := parseInt(v, 0)
		c.autoCommitEvery = time.Duration(n) * time.Millisecond
		return err
	}},
	"auto.offset.reset": {"earliest", func(v string, c *clientBuild) error {
		switch v {
		case "earliest":
			c.opts = append(c.opts, kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		case "latest":
			c.opts = append(c.opts, kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
		default:
			return fmt.Errorf("want earliest or latest")
		}
		return nil
	}},
	"max.poll.records": {"500", func(v string, c *clientBuild) error {
		n, err := parseInt(v, 1)
		c.maxPoll = n
		return err
	}},
	"session.timeout.ms":    {"45000", msOpt(func(d time.Duration) kgo.Opt { return kgo.SessionTimeout(d) })},
	"heartbeat.interval.ms": {"3000", msOpt(func(d time.Duration) kgo.Opt { return kgo.HeartbeatInterval(d) })},
	// franz-go has no poll deadline: the kitchen display keeps it (a member
	// whose poll takes longer leaves the group, as the Java client's does),
	// and it is also the rebalance timeout, as in the Java client.
	"max.poll.interval.ms": {"300000", func(v string, c *clientBuild) error {
		n, err := parseInt(v, 1)
		if err != nil {
			return err
		}
		c.pollTimeout = time.Duration(n) * time.Millisecond
		c.opts = append(c.opts, kgo.RebalanceTimeout(c.pollTimeout))
		return nil
	}},
	"fetch.max.wait.ms":         {"500", msOpt(func(d time.Duration) kgo.Opt { return kgo.FetchMaxWait(d) })},
	"fetch.min.bytes":           {"1", intOpt(1, func(n int) kgo.Opt { return kgo.FetchMinBytes(int32(n)) })},
	"fetch.max.bytes":           {"52428800", intOpt(1, func(n int) kgo.Opt { return kgo.FetchMaxBytes(int32(n)) })},
	"max.partition.fetch.bytes": {"1048576", intOpt(1, func(n int) kgo.Opt { return kgo.FetchMaxPartitionBytes(int32(n)) })},
	"partition.assignment.strategy": {"cooperative-sticky", func(v string, c *clientBuild) error {
		b, ok := balancers[v]
		if !ok {
			return fmt.Errorf("want one of range, roundrobin, sticky, cooperative-sticky")
		}
		c.opts = append(c.opts, kgo.Balancers(b()))
		return nil
	}},
	"group.instance.id": {"", stringOpt(func(s string) kgo.Opt { return kgo.InstanceID(s) })},
	"isolation.level": {"read_uncommitted", func(v string, c *clientBuild) error {
		switch v {
		case "read_uncommitted":
			c.opts = append(c.opts, kgo.FetchIsolationLevel(kgo.ReadUncommitted()))
		case "read_committed":
			c.opts = append(c.opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
		default:
			return fmt.Errorf("want read_uncommitted or read_committed")
		}
		return nil
	}},
	"client.id": {"chaosrun-consumer", stringOpt(kgo.ClientID)},
}

// unsupported names settings users will reach for that have no franz-go
// equivalent, with the reason, so they are refused rather than ignored.
var unsupported = map[string]string{
	"group.protocol":     "only the classic group protocol is driven",
	"key.serializer":     "the workload writes its own keys",
	"value.serializer":   "the workload writes its own values",
	"key.deserializer":   "the workload reads its own keys",
	"value.deserializer": "the workload reads its own values",
	"bootstrap.servers":  "the harness points clients at the cluster's proxies",
	"group.id":           "set the group under consumer.group",
}

var balancers = map[string]func() kgo.GroupBalancer{
	"range":              kgo.RangeBalancer,
	"roundrobin":         kgo.RoundRobinBalancer,
	"sticky":             kgo.StickyBalancer,
	"cooperative-sticky": kgo.CooperativeStickyBalancer,
}

// refused is the problem with setting key; Field is the setting's name.
func refused(key, msg string) problem.List { return problem.List{{Field: key, Msg: msg}} }

// ProducerOptions maps Java producer settings onto franz-go options. Unknown or
// unsupported names and contradictory combinations are problems, each at the
// setting's name.
func ProducerOptions(settings []Setting) (ProducerConfig, problem.List) {
	// buffer.memory alone bounds buffering, as in the Java client; franz-go's
	// default cap of 10k records would otherwise throttle before it.
	c := &clientBuild{opts: []kgo.Opt{kgo.MaxBufferedRecords(1 << 30)}}
	resolved, bad := applyAll(settings, producerKnobs, c)
	if bad != nil {
		return ProducerConfig{}, bad
	}
	if _, explicit := lookup(settings, "enable.idempotence"); !explicit {
		c.idempotence = "" // the default follows acks, as in the Java client
	}
	if c.txnID != "" {
		if bad := checkTransactional(c); bad != nil {
			return ProducerConfig{}, bad
		}
	} else if _, set := lookup(settings, "transaction.timeout.ms"); set {
		return ProducerConfig{}, refused("transaction.timeout.ms", "only a transactional producer has transactions: set transactional.id too")
	}
	idem, bad := resolveIdempotence(c)
	if bad == nil {
		bad = checkInflight(settings, idem, c.inflight)
	}
	if bad != nil {
		return ProducerConfig{}, bad
	}
	if !idem {
		c.opts = append(c.opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(c.inflight))
	}
	resolved["enable.idempotence"] = strconv.FormatBool(idem)
	resolved["acks"] = c.acks
	delivery, bad := deliveryTimeout(settings, resolved)
	if bad != nil {
		return ProducerConfig{}, bad
	}
	c.opts = append(c.opts, kgo.RecordDeliveryTimeout(delivery), kgo.RetryBackoffFn(javaBackoff(c.backoff, c.backoffMax)))
	maxBlock, _ := strconv.Atoi(resolved["max.block.ms"])
	memory, _ := strconv.ParseInt(resolved["buffer.memory"], 10, 64)
	return ProducerConfig{Opts: c.opts, Resolved: resolved, Idempotent: idem, Acks: c.acks, TransactionalID: c.txnID,
		DeliveryTimeout: delivery, MaxBlock: time.Duration(maxBlock) * time.Millisecond, BufferMemory: memory,
		Notes: producerNotes(settings)}, nil
}

// deliveryTimeout follows the Java client: delivery.timeout.ms must cover
// linger.ms + request.timeout.ms; set explicitly below that it is refused,
// left at its default it is raised to that sum.
func deliveryTimeout(settings []Setting, resolved map[string]string) (time.Duration, problem.List) {
	ms := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(resolved[k])); return n }
	delivery, floor := ms("delivery.timeout.ms"), ms("linger.ms")+ms("request.timeout.ms")
	if delivery < floor {
		if _, set := lookup(settings, "delivery.timeout.ms"); set {
			return 0, refused("delivery.timeout.ms", fmt.Sprintf(
				"must be at least linger.ms + request.timeout.ms (%d ms), as the Java client requires: lower request.timeout.ms too", floor))
		}
		delivery = floor
		resolved["delivery.timeout.ms"] = strconv.Itoa(floor)
	}
	return time.Duration(delivery) * time.Millisecond, nil
}

// javaBackoff is the Java client's retry backoff: retry.backoff.ms doubled
// per attempt up to retry.backoff.max.ms, with 20% jitter.
func javaBackoff(base, ceiling time.Duration) func(int) time.Duration {
	if ceiling < base {
		ceiling = base // the Java client lets the larger bound win
	}
	return func(tries int) time.Duration {
		d := base
		for i := 1; i < tries && d < ceiling; i++ {
			d *= 2
		}
		d = min(d, ceiling)
		return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	}
}

// noted says how franz-go still differs from the Java client for a setting,
// printed in a run's summary when the scenario sets it.
var noted = map[string]string{
	"request.timeout.ms": "franz-go sends it to the broker as the produce timeout and waits up to 10 s more for the answer; " +
		"the Java client gives up on the request after request.timeout.ms",
	"max.block.ms": "bounds only the wait for room in a full buffer; franz-go never blocks a send on metadata, " +
		"while the Java client's send() waits up to max.block.ms for it (as after it re-bootstraps when no broker answers): " +
		"franz-go buffers the send and delivery.timeout.ms bounds it",
	"max.poll.interval.ms": "franz-go heartbeats on while a poll is processed: a static member that overruns keeps its " +
		"partitions (the Java client stops heartbeating and loses them when the session times out)",
}

func producerNotes(settings []Setting) []string {
	var out []string
	for _, s := range settings {
		if n, ok := noted[s.Key]; ok {
			out = append(out, s.Key+": "+n)
		}
	}
	_, delivery := lookup(settings, "delivery.timeout.ms")
	if _, block := lookup(settings, "max.block.ms"); delivery && !block {
		// The outage behaviour delivery.timeout.ms is set for depends on it too.
		out = append(out, "max.block.ms: "+noted["max.block.ms"])
	}
	return out
}

// checkTransactional refuses what the Java client refuses with a
// transactional.id: a transactional producer is idempotent, with acks=all.
func checkTransactional(c *clientBuild) problem.List {
	if on, err := parseBool(c.idempotence); c.idempotence != "" && err == nil && !on {
		return refused("enable.idempotence", "a transactional producer (transactional.id is set) is idempotent")
	}
	if c.acks != "all" {
		return refused("acks", "a transactional producer (transactional.id is set) needs acks=all")
	}
	if c.retries == 0 {
		return refused("retries", "a transactional producer (transactional.id is set) needs retries > 0")
	}
	c.idempotence = "true"
	return nil
}

// resolveIdempotence follows the Java client: idempotence is on by default,
// silently off when a setting contradicts it (acks not all, more than 5
// requests in flight, retries=0) and it was not asked for, and an error when
// asked for together with such a setting.
func resolveIdempotence(c *clientBuild) (bool, problem.List) {
	if c.idempotence == "" {
		return c.acks == "all" && c.inflight <= 5 && c.retries > 0, nil
	}
	on, _ := parseBool(c.idempotence)
	if !on {
		return false, nil
	}
	if c.acks != "all" {
		return false, refused("enable.idempotence", "needs acks=all (acks is "+c.acks+")")
	}
	if c.inflight > 5 {
		return false, refused("enable.idempotence", fmt.Sprintf("needs max.in.flight.requests.per.connection <= 5 (it is %d)", c.inflight))
	}
	if c.retries == 0 {
		return false, refused("enable.idempotence", "needs retries > 0")
	}
	return true, nil
}

// checkInflight refuses an in-flight limit franz-go would not honour: its
// idempotent producer always keeps up to 5 requests in flight per broker.
func checkInflight(settings []Setting, idempotent bool, inflight int) problem.List {
	if _, set := lookup(settings, "max.in.flight.requests.per.connection"); set && idempotent && inflight != 5 {
		return refused("max.in.flight.requests.per.connection",
			"franz-go's idempotent producer always keeps 5 requests in flight; set 5, or enable.idempotence=false")
	}
	return nil
}

// ConsumerOptions maps Java consumer settings onto franz-go options.
// enable.auto.commit=true selects the naive mode: commits on an interval of
// what was polled, before it is processed.
func ConsumerOptions(settings []Setting) (ConsumerConfig, problem.List) {
	c := &clientBuild{}
	resolved, bad := applyAll(settings, consumerKnobs, c)
	if bad != nil {
		return ConsumerConfig{}, bad
	}
	// Commits are always the kitchen display's own calls: after processing,
	// or (naive mode) right after each poll.
	c.opts = append(c.opts, kgo.DisableAutoCommit())
	cc := ConsumerConfig{Opts: c.opts, Resolved: resolved, AutoCommit: c.autoCommit, AutoCommitInterval: c.autoCommitEvery, MaxPollRecords: c.maxPoll,
		MaxPollInterval: c.pollTimeout, Static: resolved["group.instance.id"] != ""}
	if _, set := lookup(settings, "max.poll.interval.ms"); set && cc.Static {
		cc.Notes = append(cc.Notes, "max.poll.interval.ms: "+noted["max.poll.interval.ms"])
	}
	return cc, nil
}

func applyAll(settings []Setting, knobs map[string]knob, c *clientBuild) (map[string]string, problem.List) {
	// Defaults first, so the client behaves like the Java client a user knows
	// even where franz-go's own defaults differ; user settings then override.
	resolved := make(map[string]string, len(knobs))
	for _, name := range sortedKeys(knobs) {
		if k := knobs[name]; k.def != "" {
			if err := k.apply(k.def, c); err != nil {
				return nil, problem.List{{Msg: fmt.Sprintf("default %s=%s: %v", name, k.def, err)}}
			}
			resolved[name] = k.def
		}
	}
	// Every bad setting is reported, not only the first.
	var bad problem.List
	seen := map[string]bool{}
	for _, s := range settings {
		k, ok := knobs[s.Key]
		switch {
		case seen[s.Key]:
			bad.Add(s.Key, "set twice")
		case !ok:
			bad.Add(s.Key, unknownSetting(s.Key, knobs))
		default:
			if err := k.apply(strings.TrimSpace(s.Value), c); err != nil {
				bad.Add(s.Key, err.Error())
			}
			resolved[s.Key] = s.Value
		}
		seen[s.Key] = true
	}
	return resolved, bad
}

func unknownSetting(key string, knobs map[string]knob) string {
	if why, ok := unsupported[key]; ok {
		return "not supported: " + why
	}
	return "unknown setting (known: " + strings.Join(sortedKeys(knobs), ", ") + ")"
}

func lookup(settings []Setting, key string) (string, bool) {
	for _, s := range settings {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

func intOpt(min int, f func(int) kgo.Opt) func(string, *clientBuild) error {
	return func(v string, c *clientBuild) error {
		n, err := parseInt(v, min)
		if err != nil {
			return err
		}
		c.opts = append(c.opts, f(n))
		return nil
	}
}

func msOpt(f func(time.Duration) kgo.Opt) func(string, *clientBuild) error {
	return func(v string, c *clientBuild) error {
		n, err := parseInt(v, 0)
		if err != nil {
			return err
		}
		c.opts = append(c.opts, f(time.Duration(n)*time.Millisecond))
		return nil
	}
}

func stringOpt(f func(string) kgo.Opt) func(string, *clientBuild) error {
	return func(v string, c *clientBuild) error {
		if v == "" {
			return fmt.Errorf("must not be empty")
		}
		c.opts = append(c.opts, f(v))
		return nil
	}
}

func compression(v string, c *clientBuild) error {
	codecs := map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}
	codec, ok := codecs[v]
	if !ok {
		return fmt.Errorf("want none, gzip, snappy, lz4 or zstd")
	}
	c.opts = append(c.opts, kgo.ProducerBatchCompression(codec))
	return nil
}

func parseInt(v string, min int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("want an integer")
	}
	if n < min {
		return 0, fmt.Errorf("want an integer >= %d", min)
	}
	return n, nil
}

func parseBool(v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("want true or false")
}

func sortedKeys(m map[string]knob) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
