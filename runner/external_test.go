package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/harness/external"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/spec"
)

const secret = "hunter2-not-for-logs"

// A run on an external cluster with SASL: the password is used, and shows
// nowhere: not in the summary, result.json, the HTML report or the log.
// The run's topic and group are its own and are gone afterwards.
func TestExternalRunRedactsSecretsAndCleansUp(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "alice", secret))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Setenv("CHAOSRUN_TEST_PASSWORD", secret)
	dir := t.TempDir()
	clusterFile := filepath.Join(dir, "cluster.yaml")
	os.WriteFile(clusterFile, []byte(fmt.Sprintf(`bootstrap: [%s]
config:
  security.protocol: SASL_PLAINTEXT
  sasl.mechanism: SCRAM-SHA-512
  sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="%s";
`, c.ListenAddrs()[0], secret)), 0o600)
	ext, err := spec.LoadExternal(clusterFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("tiny.yaml", []byte("name: tiny\ncluster: {nodes: 1}\ntopic: {partitions: 2}\n"+
		"workload: {rate: 50, duration: 2s, producers: 1}\nconsumer: {instances: 1, workers: 1}\nassertions: {recover_within: 10s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	logf := func(f string, a ...any) { mu.Lock(); fmt.Fprintf(&logs, f+"\n", a...); mu.Unlock() }
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), s, Options{External: ext, OutDir: out, Logf: logf})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	e := res.Cluster.External
	if e == nil || res.Runtime != RuntimeExternal || !strings.HasPrefix(e.Topics[0], "chaosrun-orders-") || !strings.HasPrefix(e.Groups[0], "chaosrun-kitchen-display-") {
		t.Fatalf("result: runtime %s, external %+v", res.Runtime, e)
	}
	if res.Counts.Acked == 0 || res.Counts.Acked != res.Counts.Processed {
		t.Errorf("counts %+v: the workload did not run through SASL", res.Counts)
	}
	var summary bytes.Buffer
	reports.Summary(&summary, res)
	if !strings.Contains(summary.String(), "cluster: external, SASL_PLAINTEXT (SCRAM-SHA-512)") {
		t.Errorf("summary does not say where it ran:\n%s", summary.String())
	}
	shown := map[string]string{"summary": summary.String(), "log": logs.String()}
	for _, f := range []string{"result.json", "report.html"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		shown[f] = string(b)
	}
	for where, text := range shown {
		if strings.Contains(text, secret) {
			t.Errorf("the SASL password appears in the %s", where)
		}
	}
	if e.Config["sasl.jaas.config"] != "[redacted]" {
		t.Errorf("config shown as %v", e.Config)
	}
	sec, err := ext.ClientSecurity()
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := kafkaconn.Conn{Seeds: c.ListenAddrs(), Security: sec}.NewClient()
	defer cl.Close()
	adm := kadm.NewClient(cl)
	topics, _ := adm.ListTopics(context.Background())
	groups, _ := adm.ListGroups(context.Background())
	if len(topics.Names()) > 0 || len(groups) > 0 || len(e.Leftovers) > 0 {
		t.Errorf("left behind: topics %v, groups %v, leftovers %v", topics.Names(), groups.Groups(), e.Leftovers)
	}
}

// A run refuses to start when a name it would create is taken.
func TestClaimNamesRefusesExisting(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "chaosrun-orders-x"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, _ := kafkaconn.Local(c.ListenAddrs()).NewClient()
	defer cl.Close()
	adm := kadm.NewClient(cl)
	err = claimNames(context.Background(), adm, []string{"chaosrun-orders-x", "chaosrun-other"}, []string{"g"})
	if err == nil || !strings.Contains(err.Error(), "topic chaosrun-orders-x already exist") || strings.Contains(err.Error(), "chaosrun-other") {
		t.Fatalf("got %v", err)
	}
	if err := claimNames(context.Background(), adm, []string{"chaosrun-new"}, []string{"g"}); err != nil {
		t.Fatalf("free names refused: %v", err)
	}
}

// Every name a scenario creates is prefixed and suffixed, and fault
// targets follow the topic.
func TestOnExternalRenames(t *testing.T) {
	s, err := spec.Parse("r.yaml", []byte(`name: r
topic: {name: prod.orders}
consumer: {group: prod.kitchen, on_failure: dead-letter}
faults:
  - {type: broker-kill, at: 1s, duration: 2s, target: {leader: prod.orders/0}}
  - {type: foreign-consumer, at: 1s, duration: 2s, env: pre, topic: pre.orders, group: pre.kitchen}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := onExternal(s, "ci-", "RUN")
	topics, groups := runNames(r)
	want := fmt.Sprint([]string{"ci-prod.orders-RUN", "ci-prod.orders.dlq-RUN", "ci-pre.orders-RUN"}, []string{"ci-prod.kitchen-RUN", "ci-pre.kitchen-RUN"})
	if got := fmt.Sprint(topics, groups); got != want {
		t.Errorf("names %s, want %s", got, want)
	}
	if r.Faults[0].Target.Leader.Topic != "ci-prod.orders-RUN" || s.Faults[0].Target.Leader.Topic != "prod.orders" {
		t.Errorf("target: %v (original %v)", r.Faults[0].Target.Leader, s.Faults[0].Target.Leader)
	}
	if tp, _ := s.Faults[1].Fault.(interface{ Names() (string, string) }).Names(); tp != "pre.orders" {
		t.Errorf("the original scenario's fault was renamed: %s", tp)
	}
}

// Broker faults without their hooks, and feature levels, are refused
// before anything is contacted, at the fault's line.
func TestUnfitExternal(t *testing.T) {
	s, err := spec.Parse("u.yaml", []byte("name: u\nfaults:\n  - {type: broker-pause, at: 1s, duration: 2s, target: {node: 1}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := spec.BootstrapExternal("127.0.0.1:9092")
	if err != nil {
		t.Fatal(err)
	}
	err = UnfitExternal(s, ext)
	if err == nil || !strings.Contains(err.Error(), "u.yaml:3") || !strings.Contains(err.Error(), "hooks.pause and hooks.resume") {
		t.Fatalf("got %v", err)
	}
	ext.Hooks.Pause, ext.Hooks.Resume = "p", "r"
	if err := UnfitExternal(s, ext); err != nil {
		t.Fatalf("with hooks: %v", err)
	}
}

// The exported ledger is checked as an outside reader would: every acked
// record it lists is read back from its partition and offset, and its
// headers name the same producer and seq.
func TestExportedLedgerMatchesTheLog(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := spec.Parse("tiny.yaml", []byte("name: tiny\ncluster: {nodes: 1}\ntopic: {partitions: 3}\n"+
		"workload: {rate: 200, duration: 2s, producers: 2}\nconsumer: {instances: 1, workers: 2}\nassertions: {recover_within: 10s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ext, _ := spec.BootstrapExternal(c.ListenAddrs()[0])
	file := filepath.Join(t.TempDir(), "ledger.json")
	res, err := Run(context.Background(), s, Options{External: ext, Keep: true, ExportLedger: file})
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Schema, Topic string
		Run           string `json:"run_id"`
		Producers     []struct {
			Producer  uint32
			Acked     [][4]int64
			Processed [][2]uint64
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	if exp.Schema != "chaosrun.ledger/v1" || exp.Topic != res.Topics[0].Name || exp.Run != res.RunID || res.LedgerExport != file {
		t.Fatalf("header: %+v, result says %s", exp, res.LedgerExport)
	}
	// Read the whole topic, keyed by where each record is.
	cl, _ := kafkaconn.Local(c.ListenAddrs()).NewClient(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		exp.Topic: {0: kgo.NewOffset().At(0), 1: kgo.NewOffset().At(0), 2: kgo.NewOffset().At(0)}}))
	defer cl.Close()
	type at struct {
		p int32
		o int64
	}
	log := map[at]string{}
	for len(log) < int(res.Counts.InLog) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		fs := cl.PollFetches(ctx)
		timedOut := ctx.Err() != nil
		cancel()
		for _, e := range fs.Errors() {
			t.Logf("fetch: %v", e)
		}
		if timedOut {
			adm := kadm.NewClient(cl)
			td, _ := adm.ListTopics(context.Background())
			ends, _ := adm.ListEndOffsets(context.Background(), exp.Topic)
			t.Fatalf("read %d of %d records of %s (topics %v, ends %+v)", len(log), res.Counts.InLog, exp.Topic, td.Names(), ends)
		}
		fs.EachRecord(func(r *kgo.Record) {
			h := map[string]string{}
			for _, x := range r.Headers {
				h[x.Key] = string(x.Value)
			}
			log[at{r.Partition, r.Offset}] = h["run"] + "/" + h["producer"] + "/" + h["seq"]
		})
	}
	checked, processed := 0, uint64(0)
	for _, p := range exp.Producers {
		for _, run := range p.Acked {
			for i := range run[3] {
				want := fmt.Sprintf("%s/%d/%d", exp.Run, p.Producer, run[0]+i)
				if got := log[at{int32(run[1]), run[2] + i}]; got != want {
					t.Fatalf("partition %d offset %d holds %q, the ledger says %s", run[1], run[2]+i, got, want)
				}
				checked++
			}
		}
		for _, r := range p.Processed {
			processed += r[1] - r[0] + 1
		}
	}
	if checked == 0 || int64(checked) != res.Counts.Acked || int64(processed) != res.Counts.Processed {
		t.Fatalf("checked %d acked records (result: %d), %d processed (result: %d)", checked, res.Counts.Acked, processed, res.Counts.Processed)
	}
}

// A group of static members is removed too: franz-go sends no leave for
// them, so the run makes them leave before deleting the group.
func TestStaticGroupIsDeleted(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := spec.Parse("static.yaml", []byte("name: static\ncluster: {nodes: 1}\ntopic: {partitions: 2}\n"+
		"workload: {rate: 50, duration: 2s, producers: 1}\nconsumer: {instances: 2, workers: 1, config: {group.instance.id: kitchen, session.timeout.ms: \"30000\"}}\n"+
		"assertions: {recover_within: 10s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ext, _ := spec.BootstrapExternal(c.ListenAddrs()[0])
	res, err := Run(context.Background(), s, Options{External: ext})
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := kafkaconn.Local(c.ListenAddrs()).NewClient()
	defer cl.Close()
	groups, _ := kadm.NewClient(cl).ListGroups(context.Background())
	if len(groups) > 0 || len(res.Cluster.External.Leftovers) > 0 {
		t.Fatalf("left: groups %v, leftovers %v", groups.Groups(), res.Cluster.External.Leftovers)
	}
}

// The scenario's cluster section is held against the cluster attached to:
// each requirement it does not meet is refused at its field, with both values.
func TestCheckExternalRefusesUnmetRequirements(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{"log.retention.ms": "3600000"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := external.Attach(context.Background(), external.Options{Bootstrap: c.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close(context.Background())
	id := cl.NodeIDs()[0]
	if id != 0 {
		t.Fatalf("kfake's broker is node %d, the cases below assume 0", id)
	}
	if got := cl.NodeConfigs()[id]["log.retention.ms"]; got != "3600000" {
		t.Fatalf("log.retention.ms read as %q", got)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"cluster: {nodes: 1, broker: {log.retention.ms: \"3600000\"}}\n", ""},
		{"cluster: {nodes: 1, broker: {log.retention.ms: \"1000\"}}\n", "cluster.broker.log.retention.ms: broker " + fmt.Sprint(id) + " of the external cluster has log.retention.ms=3600000, the scenario needs 1000"},
		{"cluster: {nodes: 3}\n", "cluster.nodes: the scenario needs 3 brokers; the external cluster has 1"},
		// kfake's one broker is node 0; the file's own check allows 1..nodes.
		{"cluster: {nodes: 1}\nfaults: [{type: latency, at: 1s, duration: 1s, latency: 10ms, target: {node: 1}}]\n", "target.node: node 1 is not a broker"},
		{"cluster: {nodes: 1}\ntopic: {partitions: 1, assignment: [[1]]}\n", "topic.assignment[0]: node 1 is not a broker"},
	} {
		s, err := spec.Parse("req.yaml", []byte("name: req\n"+tc.yaml))
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		err = checkExternal(context.Background(), s, cl)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.yaml, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
