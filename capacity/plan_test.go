package capacity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/spec"
)

const capTemplate = `name: cap
seed: 1
cluster:
  nodes: 3
topic:
  name: orders
  partitions: 6
workload:
  rate: 500
  duration: 20s
consumer:
  instances: 2
  workers: 4
faults:
  - type: broker-kill
    at: 5s
    duration: 5s
    target:
      leader: orders/0
  - type: broker-restart
    at: 12s
    target: {node: 2}
  - type: latency
    at: 1s
    duration: 2s
    target: {node: 1}
    latency: 50ms
  - type: latency
    at: 4s
    duration: 2s
    target: {node: 2}
    latency: 50ms
`

func writeTemplate(t *testing.T, text string) string {
	f := filepath.Join(t.TempDir(), "cap.yaml")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func sweeps(t *testing.T, texts ...string) []Sweep {
	var out []Sweep
	for _, s := range texts {
		sw, err := ParseSweep(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sw)
	}
	return out
}

func TestPlanIsTheGrid(t *testing.T) {
	f := writeTemplate(t, capTemplate)
	p, err := NewPlan(f, sweeps(t, "topic.partitions=6,12", "consumer.instances=1,2,3", "workload.producer.linger.ms=0,5"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Combinations) != 12 {
		t.Fatalf("%d combinations, want 2×3×2", len(p.Combinations))
	}
	first, last := p.Combinations[0], p.Combinations[11]
	if first.Name() != "topic.partitions=6 consumer.instances=1 workload.producer.linger.ms=0" ||
		last.Name() != "topic.partitions=12 consumer.instances=3 workload.producer.linger.ms=5" {
		t.Errorf("order: %s … %s", first.Name(), last.Name())
	}
	if last.Scenario.Topic.Partitions != 12 || last.Scenario.Consumer.Instances != 3 {
		t.Errorf("settings not applied: %+v", last.Scenario.Topic)
	}
	// None of these touch the cluster: one cluster serves them all.
	if g := byCluster(p.Combinations); len(g) != 1 {
		t.Errorf("%d clusters for one cluster configuration", len(g))
	}
	p, err = NewPlan(f, sweeps(t, "cluster.broker.num.io.threads=4,8", "topic.partitions=6,12"), "")
	if err != nil {
		t.Fatal(err)
	}
	if g := byCluster(p.Combinations); len(g) != 2 || len(g[0]) != 2 {
		t.Errorf("broker settings need a cluster each: %d groups", len(g))
	}
	if n := (Combination{}).Name(); n != "template" {
		t.Errorf("no sweep: %q", n)
	}
}

func TestPlanRefusesBadInput(t *testing.T) {
	f := writeTemplate(t, capTemplate)
	for in, want := range map[string]string{
		"topic.partitions":           "want key=v1,v2",
		"topic.partitions=":          "want key=v1,v2",
		"topic.partitions=6,,12":     "an empty value",
		"topic.partitions=6,6":       "6 twice",
		"workload.rate=100,200":      "want a key under",
		"consumer.colour=red,yellow": "want a key under",
	} {
		if _, err := ParseSweep(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--sweep %s: %v, want %q", in, err, want)
		}
	}
	// A value the scenario refuses is refused at its field, naming the sweep.
	_, err := NewPlan(f, sweeps(t, "consumer.workers=4,0"), "")
	if err == nil || !strings.Contains(err.Error(), "consumer.workers") || !strings.Contains(err.Error(), "set by --sweep consumer.workers") {
		t.Errorf("a bad value: %v", err)
	}
	for fault, want := range map[string]string{
		"broker-stop":    `"broker-stop": not a fault of the scenario; it has broker-kill, broker-restart, latency, latency`,
		"latency":        "more than one; name it by its position",
		"7":              "7: the scenario has 4 faults",
		"broker-restart": "broker-restart happens at once",
		"2":              "broker-restart happens at once",
	} {
		_, err := NewPlan(f, nil, fault)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--under-fault %s: %v, want %q", fault, err, want)
		}
	}
	if _, err := NewPlan(filepath.Join(t.TempDir(), "none.yaml"), nil, ""); err == nil {
		t.Error("a missing file")
	}
}

func TestProbeScenario(t *testing.T) {
	f := writeTemplate(t, capTemplate)
	p, err := NewPlan(f, nil, "broker-kill")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Combinations[0]
	s := probeScenario(c, "cap7", 2500, DefaultShape, p.Fault)
	if s.Topic.Name != "orders-cap7" || s.Consumer.Group != "kitchen-display-cap7" || s.Consumer.DeadLetterTopic != "orders-cap7.dlq" {
		t.Errorf("names: %s %s %s", s.Topic.Name, s.Consumer.Group, s.Consumer.DeadLetterTopic)
	}
	load := s.Workload.Load()
	if len(load) != 2 || load[0].Rate != 2500 || load[1].Rate != 2500 || load[0].Duration != DefaultShape.FaultWarmup || load[1].Duration != 15*time.Second {
		t.Errorf("load: %+v", load)
	}
	if len(s.Faults) != 1 || s.Faults[0].At != 0 || s.Faults[0].Duration < DefaultShape.FaultWarmup+DefaultShape.Window ||
		s.Faults[0].Target.Leader.Topic != "orders-cap7" {
		t.Errorf("the fault is held from the start on the probe's topic: %+v", s.Faults)
	}
	// The template is untouched.
	if c.Scenario.Topic.Name != "orders" || len(c.Scenario.Faults) != 4 || c.Scenario.Faults[0].Target.Leader.Topic != "orders" {
		t.Errorf("the template changed: %s %+v", c.Scenario.Topic.Name, c.Scenario.Faults[0].Target.Leader)
	}
	withOutput := c
	sc := *c.Scenario
	sc.Consumer.Output = &spec.Output{Topic: "orders.tickets"}
	withOutput.Scenario = &sc
	if out := probeScenario(withOutput, "cap9", 100, DefaultShape, nil).Consumer.Output.Topic; out != "orders.tickets-cap9" || sc.Consumer.Output.Topic != "orders.tickets" {
		t.Errorf("a pipeline's probe needs an output topic of its own: %s (template %s)", out, sc.Consumer.Output.Topic)
	}
	healthy := probeScenario(c, "cap8", 100, DefaultShape, nil)
	if len(healthy.Faults) != 0 || healthy.Workload.Load()[0].Duration != DefaultShape.Warmup {
		t.Errorf("a healthy probe: %+v", healthy.Faults)
	}
}

func TestParseSLO(t *testing.T) {
	slo, err := ParseSLO([]string{"p99<500ms", "produce_ack.p99 < 50ms", "max<2s"})
	if err != nil {
		t.Fatal(err)
	}
	if slo[0].Metric != "e2e_intended.p99" || slo[1].Metric != "produce_ack.p99" || slo[2].Metric != "e2e_intended.max" {
		t.Errorf("%+v", slo)
	}
	for _, bad := range []string{"lag.max<5s", "lost_kafka==0", "e2e_sent.p99<1s"} {
		if _, err := ParseSLO([]string{bad}); err == nil || !strings.Contains(err.Error(), "latencies only") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := ParseSLO([]string{"p99<fast"}); err == nil || !strings.Contains(err.Error(), `--slo "p99<fast"`) {
		t.Errorf("a bad SLO: %v", err)
	}
}
