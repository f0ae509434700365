package spec

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/orders"
)

const good = `name: t
seed: 7
cluster:
  nodes: 3
  broker:
    min.insync.replicas: "2"
topic:
  partitions: 3
workload:
  rate: 500
  duration: 20s
  producer:
    acks: all
consumer:
  config:
    max.poll.records: "100"
faults:
  - type: broker-kill
    at: 5s
    duration: 5s
    target: {leader: orders/0}
  - type: latency
    at: 1s
    duration: 2s
    target: {all: true}
    latency: 50ms
    jitter: 10ms
expect:
  verdict: pass
`

func TestParseGoodScenario(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Workload.Duration != 20*time.Second || s.Topic.Name != "orders" || s.Topic.ReplicationFactor != 3 {
		t.Errorf("decoded/defaulted wrong: %+v %+v", s.Workload, s.Topic)
	}
	if len(s.Faults) != 2 || s.Faults[1].Type != "latency" || s.Faults[0].Target.Leader == nil || *s.Faults[0].Target.Leader != (faults.TopicPartition{Topic: "orders", Partition: 0}) {
		t.Errorf("faults: %+v", s.Faults)
	}
	if p := s.Pos("workload.producer.acks"); p.Line != 13 {
		t.Errorf("position of workload.producer.acks: %+v, want line 13", p)
	}
}

func TestParseDatabaseFaults(t *testing.T) {
	src := strings.Replace(good, "consumer:\n", "sink:\n  type: postgres\nconsumer:\n", 1)
	src = strings.Replace(src, "faults:\n", `faults:
  - {type: db-latency, at: 1s, duration: 2s, latency: 80ms, jitter: 10ms}
  - {type: db-bandwidth, at: 1s, duration: 2s, rate_kb: 5}
  - {type: db-down, at: 4s, duration: 2s}
  - {type: db-lock, at: 7s, duration: 2s, mode: access-exclusive}
`, 1)
	s, err := Parse("db.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"db-latency", "db-bandwidth", "db-down", "db-lock"} {
		if _, ok := s.Faults[i].Fault.(faults.ServerFault); s.Faults[i].Type != want || !ok {
			t.Errorf("fault %d: %s %T, want %s needing a database server", i, s.Faults[i].Type, s.Faults[i].Fault, want)
		}
	}
}

func TestThresholdsParseAndMayBeExpectedToFail(t *testing.T) {
	src := strings.Replace(good, "expect:\n  verdict: pass\n", "thresholds:\n  - produce_ack.p99   <  500ms\n  - unknown == 0\nexpect:\n  verdict: fail\n  failing: [\"unknown == 0\"]\n", 1)
	s, err := Parse("th.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Limits) != 2 || s.Limits[0].Text != "produce_ack.p99 < 500ms" || s.Limits[1].Metric != "unknown" {
		t.Errorf("limits: %+v", s.Limits)
	}
}

// Each bad input must be refused with the file, the line and the field.
func TestParseRefusesBadInput(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           string // substring of the error: file:line: field: message
	}{
		{"unknown top-level field", "seed: 7", "seed: 7\nbogus: 1", "bad.yaml:3:1: bogus: unknown field"},
		{"unknown nested field", "  nodes: 3", "  nodez: 3", `bad.yaml:4:3: cluster.nodez: unknown field "nodez"`},
		{"bad duration", "duration: 20s", "duration: 20 seconds", `bad.yaml:11:13: workload.duration: bad duration "20 seconds"`},
		{"duration without unit", "duration: 20s", "duration: 20", `workload.duration: bad duration "20"`},
		{"unknown fault type", "type: broker-kill", "type: broker-explode", `bad.yaml:18:5: faults[0].type: unknown fault type "broker-explode"`},
		{"unknown fault parameter", "    jitter: 10ms", "    jiter: 10ms", `bad.yaml:27:5: faults[1].jiter: unknown field`},
		{"unknown producer setting", "    acks: all", "    ackz: all", `bad.yaml:13:5: workload.producer.ackz: unknown setting`},
		{"bad producer value", "    acks: all", "    acks: most", `bad.yaml:13:5: workload.producer.acks: want all, -1, 1 or 0`},
		{"unsupported consumer setting", `    max.poll.records: "100"`, `    group.protocol: consumer`, `consumer.config.group.protocol: not supported`},
		{"wrong type", "  rate: 500", "  rate: fast", `bad.yaml:10:9: workload.rate: want a number, got "fast"`},
		{"negative jitter window", "    jitter: 10ms", "    jitter: 90ms", `faults[1].jitter: must be between 0 and latency`},
		{"fault past the workload", "    at: 5s", "    at: 19s", `faults[0].at: the fault must be over by the end of the workload`},
		{"target with two forms", "{leader: orders/0}", "{leader: orders/0, node: 1}", `faults[0].target: need exactly one of`},
		{"all is not a broker-kill target", "{leader: orders/0}", "{all: true}", `faults[0].target: all is not a target for this fault`},
		{"reserved broker key", `    min.insync.replicas: "2"`, `    listeners: PLAINTEXT://:9092`, `cluster.broker.listeners: is set by the harness`},
		{"replication above nodes", "  partitions: 3", "  partitions: 3\n  replication_factor: 4", `topic.replication_factor: want 1 to 3`},
		{"unknown assertion in expect", "  verdict: pass", "  verdict: fail\n  failing: [no-loss]", `expect.failing[0]: unknown assertion "no-loss"`},
		{"fail without names", "  verdict: pass", "  verdict: fail", `expect.failing: a negative control must name`},
		{"idempotence with acks=1", "    acks: all", "    acks: \"1\"\n    enable.idempotence: \"true\"", `workload.producer.enable.idempotence: needs acks=all`},
		{"syntax error", "  nodes: 3", "  nodes: [3", `bad.yaml:`},
		{"unknown client", "  rate: 500", "  rate: 500\n  client: librdkafka", `bad.yaml:11:3: workload.client: want franz-go or java, got "librdkafka"`},
		{"java: chaosrun's settings", "  producer:\n    acks: all", "  client: java\n  producer:\n    acks: all\n    bootstrap.servers: x:9092", `workload.producer.bootstrap.servers: not settable on the Java workload`},
		{"java: group.id", "  producer:\n    acks: all\nconsumer:\n  config:\n    max.poll.records: \"100\"", "  client: java\n  producer:\n    acks: all\nconsumer:\n  config:\n    group.id: other", `consumer.config.group.id: not settable`},
		{"java: transactions", "  rate: 500", "  rate: 500\n  client: java\n  transactions: {records: 5}", `workload.transactions: a transactional producer is not supported with workload.client: java yet`},
		{"java: dead-letter", "  producer:\n    acks: all\nconsumer:\n  config:\n    max.poll.records: \"100\"", "  client: java\n  producer:\n    acks: all\nconsumer:\n  on_failure: dead-letter", `consumer.on_failure: dead-letter (the member would have to produce) is not supported`},
		{"franz-go: delivery below request", "    acks: all", "    acks: all\n    delivery.timeout.ms: \"5000\"", `workload.producer.delivery.timeout.ms: must be at least linger.ms + request.timeout.ms (30005 ms)`},
		{"setting set twice", "    acks: all", "    acks: all\n    acks: \"1\"", `workload.producer.acks: set twice`},
		{"field set twice", "  rate: 500", "  rate: 500\n  rate: 5000", `bad.yaml:11:3: workload.rate: set twice (first at line 10)`},
		{"explicit zero is not a default", "  rate: 500", "  rate: 0", `workload.rate: want a positive rate`},
		{"explicit zero duration", "  duration: 20s", "  duration: 0s", `workload.duration: want a positive duration`},
		{"name that is a path", "name: t", "name: ../../etc", `name: every scenario needs a name of letters`},
		{"target on another topic", "{leader: orders/0}", "{leader: payments/0}", `faults[0].target.leader: topic "payments" is not the scenario's topic "orders"`},
		{"target partition out of range", "{leader: orders/0}", "{leader: orders/9}", `faults[0].target.leader: partition 9 does not exist (the topic has 3)`},
		{"missing name points at the document", "name: t\n", "", `bad.yaml:1:1: name: every scenario needs a name`},
		{"missing failing points at its block", "  verdict: pass", "  verdict: fail", `bad.yaml:28:1: expect.failing: a negative control must name`},
		{"unknown runtime required", "seed: 7", "seed: 7\nrequires: [kubernetes]", `bad.yaml:3:12: requires[0]: unknown runtime "kubernetes" (known: docker, process)`},
		{"bad key mode at its line", "  duration: 20s", "  duration: 20s\n  key: customer", `bad.yaml:12:8: workload.key: unknown key mode "customer"`},
		{"target that is not topic/partition", "{leader: orders/0}", "{leader: orders}", `bad.yaml:21:22: faults[0].target.leader: "orders": want topic/partition`},
		{"unknown threshold", "expect:", "assertions:\n  max_lags: 5s\nexpect:", `assertions.max_lags: unknown field "max_lags" (did you mean "max_lag"?)`},
		{"explicit zero threshold", "expect:", "assertions:\n  recover_within: 0s\nexpect:", `assertions.recover_within: want a positive duration`},
		{"syntax error line", "  nodes: 3", "  nodes: [3", `bad.yaml:3:1: YAML syntax: did not find expected ',' or ']'`},
		{"unknown anchor line", "  rate: 500", "  rate: *fast", `bad.yaml:10:1: YAML syntax: unknown anchor 'fast' referenced`},
		{"unknown sink", "expect:", "sink:\n  type: oracle\nexpect:", `bad.yaml:29:3: sink.type: unknown kitchen database "oracle" (known: sqlite, postgres)`},
		{"unknown failure policy", "consumer:\n", "consumer:\n  on_failure: retry\n", `bad.yaml:15:3: consumer.on_failure: want block, skip, retry-table, dead-letter, got "retry"`},
		{"dead-letter topic without dead-letter", "consumer:\n", "consumer:\n  on_failure: skip\n  dead_letter_topic: x\n", `consumer.dead_letter_topic: only on_failure: dead-letter publishes`},
		{"dead-letter into its own topic", "consumer:\n", "consumer:\n  on_failure: dead-letter\n  dead_letter_topic: orders\n", `consumer.dead_letter_topic: want a topic other than the scenario's own`},
		{"no attempts", "consumer:\n", "consumer:\n  max_attempts: 0\n", `consumer.max_attempts: want at least 1 attempt`},
		{"order service nobody calls", "expect:", "order_service:\n  capacity: 10\nexpect:", `bad.yaml:28:1: order_service: nothing calls the order service: add consumer.lookup`},
		{"overload without capacity", "\"100\"\nfaults:", "\"100\"\n  lookup: {timeout: 1s}\norder_service:\n  overload: queue\nfaults:", `order_service.overload: nothing is over an unlimited capacity`},
		{"negative capacity", "\"100\"\nfaults:", "\"100\"\n  lookup: {timeout: 1s}\norder_service:\n  capacity: -1\nfaults:", `order_service.capacity: want 0 (unlimited) or a positive number of requests`},
		{"unknown overload", "\"100\"\nfaults:", "\"100\"\n  lookup: {timeout: 1s}\norder_service:\n  capacity: 2\n  overload: drop\nfaults:", `order_service.overload: want reject (503 at once) or queue (wait for a slot), got "drop"`},
		{"stale reads without lag", "expect:", "order_service:\n  stale_reads: partial\nexpect:", `order_service: nothing calls`},
		{"transactions without a transactional.id", "    acks: all", "    acks: all\n  transactions: {records: 5}", `bad.yaml:14:3: workload.transactions: transactions need a transactional.id`},
		{"abort rate of one", "    acks: all", "    transactional.id: tx\n  transactions: {abort_rate: 1}", `workload.transactions.abort_rate: want a share of transactions from 0 up to (not including) 1`},
		{"transaction timeout without transactions", "    acks: all", "    transaction.timeout.ms: \"5000\"", `workload.producer.transaction.timeout.ms: only a transactional producer has transactions`},
		{"producer crash without transactions", "  - type: broker-kill\n", "  - {type: producer-crash, at: 2s}\n  - type: broker-kill\n", `faults[0].type: producer-crash crashes a producer mid-transaction: the producers need a transactional.id`},
		{"producer crash of a one-record transaction", "    acks: all\nconsumer:\n  config:\n    max.poll.records: \"100\"\nfaults:\n",
			"    transactional.id: tx\n  transactions: {records: 1}\nfaults:\n  - {type: producer-crash, at: 2s}\n",
			`faults[0].type: producer-crash crashes a producer in the middle of a transaction: transactions of one record have no middle`},
		{"coordinator of an unknown id", "{leader: orders/0}", "{coordinator: tx-0}", `faults[0].target.coordinator: nothing in this scenario is transactional`},
		{"output into the input topic", "consumer:\n", "consumer:\n  output: {topic: orders}\n", `consumer.output.topic: "orders" is already topic.name`},
		{"retry table in a pipeline", "consumer:\n", "consumer:\n  on_failure: retry-table\n  output: {}\n", `consumer.on_failure: retry-table applies events outside any poll`},
		{"transactional pipeline with auto commit", `    max.poll.records: "100"`, "    enable.auto.commit: \"true\"\n  output:\n    producer: {transactional.id: k}", `consumer.config.enable.auto.commit: a transactional pipeline commits its input offsets in its transactions`},
		{"client id of the forwarding producer", "consumer:\n", "consumer:\n  output:\n    producer: {client.id: fwd}\n", `consumer.output.producer.client.id: a member consumes and forwards with one client`},
		{"stale reads without lag, with lookup", "\"100\"\nfaults:", "\"100\"\n  lookup: {}\norder_service:\n  stale_reads: partial\nfaults:", `order_service.stale_reads: no read is stale without a replica lag`},
		{"service target without lookup", "{all: true}", "{service: order-service}", `faults[1].target.service: the scenario runs no order service`},
		{"unknown service", "{all: true}", "{service: payments}", `faults[1].target: unknown service "payments"`},
		{"rejected poison without lookup", "  - type: latency", "  - type: poison\n    at: 1s\n    count: 1\n    kind: rejected\n  - type: latency", `faults[1].kind: the order service rejects nothing here`},
		{"poison count and fraction", "  - type: latency", "  - type: poison\n    at: 1s\n    count: 1\n    fraction: 0.5\n  - type: latency", `faults[1].count: give count`},
		{"poison with a target", "  - type: latency", "  - type: poison\n    at: 1s\n    count: 1\n    target: {node: 1}\n  - type: latency", `faults[1].target: this fault takes no target`},
		{"poison fraction needs a duration", "  - type: latency", "  - type: poison\n    at: 1s\n    fraction: 0.1\n  - type: latency", `faults[1].duration: poison needs a duration`},
		{"bad sink mode", "expect:", "sink:\n  mode: merge\nexpect:", `sink.mode: want upsert (idempotent) or insert`},
		{"bad crash moment", "  - type: latency", "  - type: consumer-crash\n    at: 1s\n    duration: 1s\n    when: later\n    target: {consumer: 0}\n  - type: latency", `faults[1].when: want polled`},
		{"crash after processing with auto-commit", "    max.poll.records: \"100\"\nfaults:", "    max.poll.records: \"100\"\n    enable.auto.commit: \"true\"\nfaults:\n  - type: consumer-crash\n    at: 1s\n    duration: 1s\n    when: processed\n    target: {consumer: 0}", `faults[0].when: with enable.auto.commit the consumer commits before processing`},
		{"dead-letter topic Kafka refuses", "consumer:\n", "consumer:\n  on_failure: dead-letter\n  dead_letter_topic: orders dlq\n", `consumer.dead_letter_topic: Kafka topic names are 1 to 249`},
		{"retry backoff beyond a minute", "consumer:\n", "consumer:\n  retry_backoff: 2h\n", `consumer.retry_backoff: want a positive duration up to 1m`},
		{"phases with a rate", "  duration: 20s\n", "  duration: 20s\n  phases:\n    - {type: steady, rate: 100, duration: 5s}\n", `bad.yaml:10:3: workload.rate: with phases, each phase has its own rate`},
		{"phase field of another type", "  rate: 500\n  duration: 20s\n", "  phases:\n    - {type: flood, records: 100, duration: 5s}\n", `workload.phases[0].duration: a flood phase takes no duration`},
		{"unknown phase type", "  rate: 500\n  duration: 20s\n", "  phases:\n    - {type: wave, rate: 5}\n", `workload.phases[0].type: unknown phase type "wave"`},
		{"ramp without a duration", "  rate: 500\n  duration: 20s\n", "  phases:\n    - {type: ramp, from: 1, to: 5}\n", `workload.phases[0].type: a ramp needs`},
		{"fault beyond the timed phases", "  rate: 500\n  duration: 20s\n", "  phases:\n    - {type: steady, rate: 100, duration: 5s}\n    - {type: flood, records: 100}\n", `faults[0].at: the fault must be over by the end of the workload (at 5s + duration 5s > 5s)`},
		{"foreign consumer of the scenario's env", "faults:\n", "faults:\n  - type: foreign-consumer\n    at: 1s\n    duration: 2s\n    env: prod\n", `faults[0].env: the foreign consumer's env must differ from the scenario's (prod)`},
		{"rolling restart beyond the workload", "faults:\n", "faults:\n  - type: consumer-rolling-restart\n    at: 10s\n    between: 10s\n", `faults[0].at: consumer-rolling-restart takes 12s with 2 members: it must be over by the end of the workload`},
		{"flood beyond a billion", "  rate: 500\n  duration: 20s\n", "  phases:\n    - {type: flood, records: 2000000000}\n", `workload.phases[0].type: a flood needs a positive number of records, at most 1000000000`},
		{"url for an embedded database", "consumer:\n", "sink:\n  url: postgres://u:secret@db:5432/k\nconsumer:\n", `sink.url: a sqlite database is embedded: it takes no url`},
		{"url of another scheme", "consumer:\n", "sink:\n  type: postgres\n  url: mysql://u:secret@db/k\nconsumer:\n", `sink.url: want a postgres:// URL, got scheme "mysql"`},
		{"database fault on an embedded database", "faults:\n", "faults:\n  - type: db-latency\n    at: 1s\n    duration: 2s\n    latency: 50ms\n", `faults[0].type: the kitchen database is sqlite, embedded in the consumer: no server to fault`},
		{"db-lock of an unknown table", "faults:\n", "faults:\n  - type: db-lock\n    at: 1s\n    duration: 2s\n    table: menu\n", `faults[0].table: want one of the kitchen display's tables: orders, retry`},
		{"db-down with a target", "faults:\n", "faults:\n  - type: db-down\n    at: 1s\n    duration: 2s\n    target: {all: true}\n", `faults[0].target`},
		{"batch beyond the limit", "consumer:\n", "sink:\n  batch: 5000\nconsumer:\n", `sink.batch: want the most rows one write takes, at most 2000`},
		{"batch in insert mode", "consumer:\n", "sink:\n  mode: insert\n  batch: 100\nconsumer:\n", `sink.batch: batched writes are one multi-row upsert: they need sink.mode upsert, not insert`},
		{"threshold of an unknown metric", "expect:", "thresholds:\n  - produce_ack.p99 < 500ms\n  - lag.maximum < 30s\nexpect:", `bad.yaml:30:5: thresholds[1]: unknown metric "lag.maximum"`},
		{"threshold without a unit", "expect:", "thresholds: [\"recovery < 20\"]\nexpect:", `thresholds[0]: "recovery < 20": recovery is a duration`},
		{"expected failing threshold not written", "  verdict: pass", "  verdict: fail\n  failing: [\"unknown == 0\"]", `expect.failing[0]: unknown assertion "unknown == 0"`},
		{"negative lag offsets", "expect:", "assertions:\n  max_lag_offsets: -5\nexpect:", `assertions.max_lag_offsets: want 0 (no limit)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.from) {
				t.Fatalf("fixture does not contain %q", c.from)
			}
			_, err := Parse("bad.yaml", []byte(strings.Replace(good, c.from, c.to, 1)))
			var bad *Errors
			if !errors.As(err, &bad) {
				t.Fatalf("want *Errors, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

// A refused database URL is never repeated: it may hold a password.
func TestSinkURLNeverEchoed(t *testing.T) {
	for _, u := range []string{"postgres://u:s3cret@:5432/k", "postgres://u:s3cret@db:x/k", "mysql://u:s3cret@db/k"} {
		src := strings.Replace(good, "consumer:\n", "sink:\n  type: postgres\n  url: \""+u+"\"\nconsumer:\n", 1)
		_, err := Parse("bad.yaml", []byte(src))
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestPhasesSetTheDuration(t *testing.T) {
	src := strings.Replace(good, "  rate: 500\n  duration: 20s\n",
		"  phases:\n    - {type: steady, rate: 100, duration: 12s}\n    - {type: flood, records: 100}\n    - {type: ramp, from: 10, to: 50, duration: 8s}\n", 1)
	s, err := Parse("good.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Workload.Duration != 20*time.Second || len(s.Workload.Load()) != 3 || s.Workload.Load()[1].Records != 100 {
		t.Errorf("workload = %+v", s.Workload)
	}
}

// Validation keeps what it parsed; client settings it only checks (the
// runner compiles its own, see runner.CompileClients).
func TestParseKeepsParsedSettings(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Workload.Key != orders.KeyOrder {
		t.Errorf("producer side: key %q", s.Workload.Key)
	}
	if s.Assertions.Criteria != assertions.DefaultCriteria() {
		t.Errorf("thresholds: %+v, want the catalog's defaults", s.Assertions.Criteria)
	}
}

func TestParseReportsEveryError(t *testing.T) {
	in := strings.Replace(strings.Replace(good, "seed: 7", "seed: -1", 1), "  rate: 500", "  rate: x", 1)
	_, err := Parse("bad.yaml", []byte(in))
	var bad *Errors
	if !errors.As(err, &bad) || len(bad.List) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("does/not/exist.yaml")
	var bad *Errors
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "does/not/exist.yaml") {
		t.Fatalf("want a bad-input error naming the file, got %v", err)
	}
}

func TestLineOfPointsAtTheCause(t *testing.T) {
	src := strings.Replace(good, "expect:\n  verdict: pass\n", "assertions:\n  max_lag: 10s\nthresholds:\n  - unknown == 0\nexpect:\n  verdict: fail\n  failing: [no-kafka-loss]\n", 1)
	s, err := Parse("l.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"lag-bounded": 29, "unknown == 0": 31, "no-kafka-loss": 34, "key-order": 1} {
		if got := s.LineOf(name); got != want {
			t.Errorf("LineOf(%s) = %d, want %d", name, got, want)
		}
	}
}
