package capacity

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
	"github.com/chaosrun/chaosrun/thresholds"
)

// Sweep is one swept setting and the values it takes.
type Sweep struct {
	Key    string // a spec override path: topic.partitions, workload.producer.linger.ms...
	Values []string
}

// ParseSweep reads "key=v1,v2,...".
func ParseSweep(text string) (Sweep, error) {
	key, values, ok := strings.Cut(text, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" || strings.TrimSpace(values) == "" {
		return Sweep{}, fmt.Errorf("--sweep %q: want key=v1,v2,..., e.g. topic.partitions=6,12", text)
	}
	sw := Sweep{Key: key}
	for _, v := range strings.Split(values, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return Sweep{}, fmt.Errorf("--sweep %q: an empty value", text)
		}
		if slices.Contains(sw.Values, v) {
			return Sweep{}, fmt.Errorf("--sweep %q: %s twice", text, v)
		}
		sw.Values = append(sw.Values, v)
	}
	// The key must be one an override may write; the values are checked
	// when each combination's scenario is read.
	if _, err := spec.ParseOverride(key+"="+sw.Values[0], "--sweep"); err != nil {
		return Sweep{}, err
	}
	return sw, nil
}

// Combination is one point of the sweep grid: the template with its
// settings applied, read and checked like any scenario.
type Combination struct {
	Settings []spec.Override // in sweep order; empty when nothing is swept
	Scenario *spec.Scenario
}

// Name lists the combination's settings, "topic.partitions=6 consumer.instances=2";
// "template" when nothing is swept.
func (c Combination) Name() string {
	if len(c.Settings) == 0 {
		return "template"
	}
	parts := make([]string, len(c.Settings))
	for i, o := range c.Settings {
		parts[i] = o.Path() + "=" + o.Value
	}
	return strings.Join(parts, " ")
}

// clusterKey identifies the cluster a combination needs: combinations with
// the same key share one cluster.
func (c Combination) clusterKey() string {
	cl := c.Scenario.Cluster
	return fmt.Sprint(cl.Nodes, cl.Controllers, cl.Broker.Map(), cl.Features)
}

// Plan is a capacity search, fully checked before any Kafka starts.
type Plan struct {
	File         string
	Combinations []Combination
	// Fault, when set, is the scenario's fault held for the whole of each
	// probe of a second search per combination (--under-fault).
	Fault *spec.Fault
	SLO   []thresholds.Threshold
	Shape Shape
	// Search bounds each combination's search; Start is the first
	// combination's start, later ones start at the result before them.
	Search Search
	// ProducersOnly: probes run no consumer group and judge only the
	// producers; with it, the ceiling is set beside kafka-producer-perf-test's.
	ProducersOnly bool
	// Target is the rate the recommendation is for (--target); 0: none.
	Target float64
}

// Shape is a probe's shape: a warm-up at the rate, then the window judged.
type Shape struct {
	Warmup time.Duration
	Window time.Duration
	// FaultWarmup replaces Warmup under a fault: leaders must move first.
	FaultWarmup time.Duration
	MaxLag      time.Duration // the worst partition's lag allowed in the window
}

// DefaultShape is a probe of 5 s warm-up and 15 s judged.
var DefaultShape = Shape{Warmup: 5 * time.Second, Window: 15 * time.Second, FaultWarmup: 12 * time.Second, MaxLag: 5 * time.Second}

// sloHistograms are the latencies an SLO may name.
var sloHistograms = []string{"e2e_intended", "produce_ack", "sink_write"}

// ParseSLO reads --slo values: thresholds as a gate reads them, where a bare
// percentile ("p99<500ms") means end-to-end latency from the intended send
// time (e2e_intended.p99).
func ParseSLO(texts []string) ([]thresholds.Threshold, error) {
	var out []thresholds.Threshold
	for _, text := range texts {
		full := strings.TrimSpace(text)
		if thresholds.IsBarePercentile(full) {
			full = "e2e_intended." + full
		}
		t, err := thresholds.Parse(full)
		if err != nil {
			return nil, fmt.Errorf("--slo %q: %w", text, err)
		}
		// Only what a probe's window has: its latencies. Counts of an
		// undrained probe mean nothing, and lag has --max-lag.
		if h, _, _ := strings.Cut(t.Metric, "."); !slices.Contains(sloHistograms, h) {
			return nil, fmt.Errorf("--slo %q: a probe judges latencies only (%s); lag has --max-lag", text, strings.Join(sloHistograms, ", "))
		}
		out = append(out, t)
	}
	return out, nil
}

// NewPlan reads the template and every combination of sweeps, and resolves
// underFault (a fault's type, when the scenario has one of it, or its
// position, 1 for the first). All bad input comes back as *spec.Errors.
func NewPlan(file string, sweeps []Sweep, underFault string) (*Plan, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, &spec.Errors{List: []*spec.Error{{File: file, Msg: err.Error()}}}
	}
	p := &Plan{File: file, Shape: DefaultShape}
	bad := &spec.Errors{}
	seen := map[string]bool{}
	for _, sw := range sweeps {
		if seen[sw.Key] {
			bad.List = append(bad.List, &spec.Error{File: file, Field: "--sweep", Msg: sw.Key + " swept twice: give its values in one --sweep"})
		}
		seen[sw.Key] = true
	}
	for _, settings := range grid(sweeps) {
		s, err := spec.ParseWith(file, data, settings)
		if err != nil {
			bad.List = append(bad.List, spec.AsErrors(err).List...)
			continue
		}
		cl, err := runner.CompileClients(s)
		if err != nil {
			bad.List = append(bad.List, spec.AsErrors(err).List...)
			continue
		}
		if cl.Producer.Acks == "0" {
			// Nothing is ever acked: no rate could be shown to hold.
			bad.List = append(bad.List, s.ErrorAt("workload.producer.acks",
				"acks=0: a capacity search needs acks to judge the producers by; use 1 or all").List...)
			continue
		}
		p.Combinations = append(p.Combinations, Combination{Settings: settings, Scenario: s})
	}
	if len(bad.List) > 0 {
		return nil, bad
	}
	if underFault != "" {
		f, err := pickFault(p.Combinations[0].Scenario, underFault)
		if err != nil {
			return nil, err
		}
		p.Fault = f
	}
	return p, nil
}

// grid is every combination of the sweeps' values, the first sweep
// varying slowest.
func grid(sweeps []Sweep) [][]spec.Override {
	out := [][]spec.Override{nil}
	for _, sw := range sweeps {
		var next [][]spec.Override
		for _, prefix := range out {
			for _, v := range sw.Values {
				o, _ := spec.ParseOverride(sw.Key+"="+v, "--sweep "+sw.Key) // checked by ParseSweep
				next = append(next, append(slices.Clone(prefix), o))
			}
		}
		out = next
	}
	return out
}

// pickFault resolves --under-fault against s's faults.
func pickFault(s *spec.Scenario, name string) (*spec.Fault, error) {
	var types []string
	for _, f := range s.Faults {
		types = append(types, f.Type)
	}
	refuse := func(msg string) error {
		return &spec.Errors{List: []*spec.Error{{File: s.File, Field: "--under-fault", Msg: msg}}}
	}
	if len(s.Faults) == 0 {
		return nil, refuse(fmt.Sprintf("%q: the scenario has no faults; add the one to hold under faults:", name))
	}
	var f *spec.Fault
	if n, err := strconv.Atoi(name); err == nil {
		if n < 1 || n > len(s.Faults) {
			return nil, refuse(fmt.Sprintf("%d: the scenario has %d faults (%s)", n, len(s.Faults), strings.Join(types, ", ")))
		}
		f = &s.Faults[n-1]
	} else {
		for i := range s.Faults {
			if s.Faults[i].Type != name {
				continue
			}
			if f != nil {
				return nil, refuse(fmt.Sprintf("%q: the scenario has more than one; name it by its position (1 for the first): %s", name, strings.Join(types, ", ")))
			}
			f = &s.Faults[i]
		}
		if f == nil {
			return nil, refuse(fmt.Sprintf("%q: not a fault of the scenario; it has %s", name, strings.Join(types, ", ")))
		}
	}
	if _, ok := f.Fault.(faults.Renamer); ok {
		// It names topics and groups of its own, which probes do not have.
		return nil, &spec.Errors{List: []*spec.Error{{File: s.File, Line: f.Pos.Line, Column: f.Pos.Column, Field: f.Path + ".type",
			Msg: fmt.Sprintf("--under-fault: %s takes records from the run's own topic and group, which each probe replaces; it cannot be held through a capacity search", f.Type)}}}
	}
	if faults.IsMomentary(f.Fault) {
		return nil, &spec.Errors{List: []*spec.Error{{File: s.File, Line: f.Pos.Line, Column: f.Pos.Column, Field: f.Path + ".type",
			Msg: fmt.Sprintf("--under-fault: %s happens at once; a capacity search holds a fault for each probe, so name one that lasts", f.Type)}}}
	}
	return f, nil
}

// probeScenario is c's scenario for one probe at rate: a topic and group of
// its own (name suffix), the load one warm-up and one window at the rate,
// no faults but fault (held from the start to the end), no thresholds.
func probeScenario(c Combination, suffix string, rate float64, shape Shape, fault *spec.Fault) *spec.Scenario {
	t := *c.Scenario
	warm := shape.Warmup
	if fault != nil {
		warm = shape.FaultWarmup
	}
	dlqDefault := t.Consumer.DeadLetterTopic == t.Topic.Name+".dlq"
	t.Topic.Name += "-" + suffix
	t.Consumer.Group += "-" + suffix
	if dlqDefault {
		t.Consumer.DeadLetterTopic = t.Topic.Name + ".dlq"
	} else if t.Consumer.DeadLetterTopic != "" && t.Consumer.Policy().DeadLetters() {
		t.Consumer.DeadLetterTopic += "-" + suffix
	}
	if o := t.Consumer.Output; o != nil {
		out := *o
		out.Topic += "-" + suffix
		t.Consumer.Output = &out
	}
	t.Workload.Phases = []spec.Phase{
		{Type: load.Steady.Name(), Rate: rate, Duration: warm},
		{Type: load.Steady.Name(), Rate: rate, Duration: shape.Window},
	}
	t.Workload.Rate, t.Workload.Duration = rate, warm+shape.Window
	t.Faults = nil
	if fault != nil {
		f := *fault
		f.At, f.Duration = 0, warm+shape.Window+time.Second
		f.Target = f.Target.Retopic(c.Scenario.Topic.Name, t.Topic.Name)
		t.Faults = []spec.Fault{f}
	}
	t.Limits, t.Thresholds = nil, nil
	return &t
}

// TemplateRate is where a search starts by default: the template's highest
// steady or ramp rate.
func TemplateRate(s *spec.Scenario) float64 {
	rate := 0.0
	for _, ph := range s.Workload.Load() {
		rate = max(rate, ph.Rate, ph.From, ph.To)
	}
	if rate == 0 {
		rate = 1000
	}
	return rate
}

// ClusterScenario is c's scenario as the cluster is started for: its faults
// only the one held (p.Fault), so unused ones neither choose nor refuse the
// runtime.
func (p *Plan) ClusterScenario(c Combination) *spec.Scenario {
	s := *c.Scenario
	s.Faults = nil
	if p.Fault != nil {
		s.Faults = []spec.Fault{*p.Fault}
	}
	return &s
}

// ActsOnConsumers says whether f acts on the kitchen display or what it
// works against, which a producers-only search does not run.
func ActsOnConsumers(f *spec.Fault) bool {
	if f.Fault != nil {
		if k := f.Fault.Acts(); k == faults.KindConsumer || k == faults.KindDatabase {
			return true
		}
	}
	return f.Target.Consumer != nil || f.Target.Service != ""
}
