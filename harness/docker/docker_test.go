package docker

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/harness"

	"github.com/chaosrun/chaosrun/internal/freeport"
)

func TestDockerPropertiesUseAliasesAndTheProxy(t *testing.T) {
	specs := []harness.NodeSpec{
		{ID: 1, Controller: true, ClientAdvertised: "127.0.0.1:9001", ClusterSize: 3},
		{ID: 2, Controller: true, ClientAdvertised: "127.0.0.1:9002", ClusterSize: 3},
		{ID: 3, ClientAdvertised: "127.0.0.1:9003", ClusterSize: 3, Overrides: map[string]string{"num.partitions": "6"}},
	}
	addrs := dockerAddrs(specs)
	voters := harness.QuorumVoters(specs, addrs)
	if voters != "1@node-1:9093,2@node-2:9093" {
		t.Errorf("voters = %q", voters)
	}
	p := harness.BrokerProperties(specs[0], addrs[1], voters, containerDataDir)
	for k, v := range map[string]string{
		"listeners":            "CLIENT://0.0.0.0:9092,INTERNAL://0.0.0.0:9094,CONTROLLER://0.0.0.0:9093",
		"advertised.listeners": "CLIENT://127.0.0.1:9001,INTERNAL://node-1:9094",
		"process.roles":        "broker,controller",
		"log.dirs":             "/tmp/chaosrun/data",
	} {
		if p[k] != v {
			t.Errorf("node 1 %s = %q, want %q", k, p[k], v)
		}
	}
	p3 := harness.BrokerProperties(specs[2], addrs[3], voters, containerDataDir)
	if p3["listeners"] != "CLIENT://0.0.0.0:9092,INTERNAL://0.0.0.0:9094" || p3["process.roles"] != "broker" || p3["num.partitions"] != "6" {
		t.Errorf("broker-only node 3: %v", p3)
	}
}

// unitDockerRuntime is a docker runtime with no daemon behind it: enough
// to plan and to check transitions that never reach docker.
func unitDockerRuntime(t *testing.T) *Runtime {
	t.Helper()
	r := &Runtime{opts: dockerDefaults(Options{RunOptions: harness.RunOptions{RunID: "unit"}})}
	r.Init("unit", "", nil)
	t.Cleanup(func() { r.Shut(nil) })
	return r
}

func TestDockerRuntimePlan(t *testing.T) {
	r := unitDockerRuntime(t)
	if r.opts.Image != "apache/kafka:"+harness.DefaultKafkaVersion {
		t.Errorf("default image %q", r.opts.Image)
	}
	specs := []harness.NodeSpec{
		{ID: 1, Controller: true, ClientAdvertised: "127.0.0.1:1", ClusterID: "c", ClusterSize: 2},
		{ID: 2, ClientAdvertised: "127.0.0.1:2", ClusterID: "c", ClusterSize: 2},
	}
	plans, err := r.Plan(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 2 || plans[0].Upstream == plans[1].Upstream || !strings.HasPrefix(plans[0].Upstream, "127.0.0.1:") {
		t.Fatalf("plans = %+v", plans)
	}
	if plans[1].Properties["advertised.listeners"] != "CLIENT://127.0.0.1:2,INTERNAL://node-2:9094" {
		t.Errorf("node 2 properties: %v", plans[1].Properties)
	}
	if n, _ := r.Lookup(2); n.name != "chaosrun-unit-node-2" || freeport.HostPort(n.hostPort) != plans[1].Upstream {
		t.Errorf("node 2: name %q, host port %d", n.name, n.hostPort)
	}
	if _, err := r.Plan(context.Background(), specs); err == nil {
		t.Error("second Plan succeeded")
	}
}

func TestDockerRuntimeInvalidTransitions(t *testing.T) {
	r := unitDockerRuntime(t)
	ctx := context.Background()
	spec := harness.NodeSpec{ID: 1, Controller: true, ClientAdvertised: "127.0.0.1:1", ClusterID: "c", ClusterSize: 1}
	if _, err := r.Plan(ctx, []harness.NodeSpec{spec}); err != nil {
		t.Fatal(err)
	}
	for verb, op := range map[string]func(context.Context, int32) error{
		"resume": r.ResumeNode, "pause": r.PauseNode, "stop": r.StopNode, "kill": r.KillNode,
	} {
		if err := op(ctx, 1); err == nil || !strings.Contains(err.Error(), verb+" node 1: node is planned") {
			t.Errorf("%s planned node: err = %v", verb, err)
		}
	}
	if err := r.IsolateNode(ctx, 1); err == nil || !strings.Contains(err.Error(), "start it before") {
		t.Errorf("isolate planned node: err = %v", err)
	}
	if err := r.ResumeNode(ctx, 5); err == nil || !strings.Contains(err.Error(), "unknown node 5") {
		t.Errorf("unknown node: err = %v", err)
	}
	if st, err := r.State(1); err != nil || st != harness.StatePlanned {
		t.Errorf("State = %s, %v", st, err)
	}
	if tail := r.LogTail(1, 10); !strings.Contains(tail, "no container") {
		t.Errorf("LogTail before start = %q", tail)
	}
}

func TestLauncherScript(t *testing.T) {
	s := launcherScript([]string{"-Xmx512m", "-Dx=1"}, "abc-_X", map[string]int{"z.version": 1, "a.version": 0})
	for _, want := range []string{
		"if [ ! -f /tmp/chaosrun/data/meta.properties ]; then",
		"kafka.tools.StorageTool format --cluster-id=abc-_X --config=/etc/chaosrun/server.properties --feature a.version=0 --feature z.version=1\n",
		"exec java -Xmx512m -Dx=1 -Dlog4j2.configurationFile=/etc/chaosrun/log4j2.properties -cp '/opt/kafka/libs/*' kafka.Kafka /etc/chaosrun/server.properties\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("launcher lacks %q:\n%s", want, s)
		}
	}
}

// TestShellQuoteRoundTrips has sh print the quoted words back.
func TestShellQuoteRoundTrips(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	words := []string{"plain", "/opt/kafka/libs/*", "it's", "a b", "$HOME", "`x`", "", `back\slash`, "-XX:+UseG1GC"}
	out, err := exec.Command("sh", "-c", `printf '%s\n' `+shellJoin(words)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); !slices.Equal(got, words) {
		t.Errorf("sh printed %q, want %q", got, words)
	}
}

func TestRunIsDeadAndDeadLeftovers(t *testing.T) {
	root := t.TempDir()
	live, lock, err := harness.CreateRunDir(root, "live")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	dead := filepath.Join(root, "run-dead")
	if err := os.MkdirAll(dead, 0o755); err != nil {
		t.Fatal(err)
	}
	item := func(kind, run, dir string) leftover {
		l := runLabels(run, dir)
		if dir == "" {
			delete(l, labelDir)
		}
		return leftover{kind: kind, id: kind + "-" + run, name: kind + "-" + run, labels: l}
	}
	items := []leftover{
		item("container", "live", live), item("network", "live", live),
		item("container", "dead", dead), item("network", "dead", dead),
		item("container", "gone", filepath.Join(root, "run-gone")),
		item("container", "nodir", ""),
	}
	calls := map[string]int{}
	got := deadLeftovers(items, func(l map[string]string) bool { calls[l[labelRun]]++; return runIsDead(l) })
	var names []string
	for _, g := range got {
		names = append(names, g.String())
	}
	want := []string{"container container-dead (run dead)", "network network-dead (run dead)",
		"container container-gone (run gone)", "container container-nodir (run nodir)"}
	if !slices.Equal(names, want) {
		t.Errorf("dead leftovers %q, want %q", names, want)
	}
	if calls["live"] != 1 || calls["dead"] != 1 {
		t.Errorf("liveness decided %v times per run, want once", calls)
	}
	if _, ok, _ := harness.TryLock(filepath.Join(live, harness.LockName)); ok {
		t.Error("checking liveness released the live run's lock")
	}
}
