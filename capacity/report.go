package capacity

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chaosrun/chaosrun/spec"
)

// Schema names the capacity report's format.
const Schema = "chaosrun.capacity/v1"

// Report is a capacity run: every combination's search and probes.
type Report struct {
	Schema        string    `json:"schema"`
	Scenario      string    `json:"scenario"`
	File          string    `json:"file"`
	Runtime       string    `json:"runtime"`
	RuntimeReason string    `json:"runtime_reason,omitempty"`
	KafkaVersion  string    `json:"kafka_version"`
	StartedAt     time.Time `json:"started_at"`
	EndedAt       time.Time `json:"ended_at"`
	SLO           []string  `json:"slo"`
	UnderFault    string    `json:"under_fault,omitempty"`
	ProducersOnly bool      `json:"producers_only"`
	Probe         struct {
		WarmupSeconds      float64 `json:"warmup_s"`
		WindowSeconds      float64 `json:"window_s"`
		FaultWarmupSeconds float64 `json:"fault_warmup_s"`
		MaxLagSeconds      float64 `json:"max_lag_s"`
	} `json:"probe"`
	Search struct {
		Start     float64 `json:"start"`
		Min       float64 `json:"min"`
		Max       float64 `json:"max"`
		Precision float64 `json:"precision"`
		MaxProbes int     `json:"max_probes"`
	} `json:"search"`
	Results []Result `json:"results"`
	// Target is the rate asked for (--target), 0 when none.
	Target         float64             `json:"target,omitempty"`
	Recommendation string              `json:"recommendation,omitempty"`
	PerfTest       *PerfTestComparison `json:"perf_test,omitempty"`
	Error          string              `json:"error,omitempty"`
}

// Result is one combination's search, healthy or under the fault.
type Result struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings,omitempty"`
	Fault    string            `json:"fault,omitempty"`
	// The combination's shape, in OpenMessaging Benchmark's names.
	Topics             int   `json:"topics"`
	Partitions         int32 `json:"partitionsPerTopic"`
	MessageSize        int   `json:"messageSize"`
	ProducersPerTopic  int   `json:"producersPerTopic"`
	ConsumersPerTopic  int   `json:"consumersPerTopic"`
	WorkersPerConsumer int   `json:"workersPerConsumer"`

	MaxSustainableRate float64 `json:"maxSustainableRate"`
	// FirstFailedRate is the lowest rate that did not hold; null when even
	// the maximum held.
	FirstFailedRate *float64      `json:"firstFailedRate"`
	Limit           string        `json:"limit"`
	LimitDetail     string        `json:"limitDetail"`
	Ended           string        `json:"searchEnded"`
	AtMax           *ProbeResult  `json:"atMaxRate,omitempty"`
	Probes          []ProbeResult `json:"probes"`
	Seconds         float64       `json:"seconds"`
	Error           string        `json:"error,omitempty"`
}

// PerfTestComparison sets the producers' ceiling beside Kafka's own tool.
type PerfTestComparison struct {
	ChaosrunRate float64 `json:"chaosrun_sustainable_rate"` // open model, every ack within the window
	PerfTestRate float64 `json:"perf_test_rate"`            // closed loop, as fast as it goes, summed over its producers
	// PerfTestProducers is how many perf-test producers ran at once: as
	// many as the workload has.
	PerfTestProducers int     `json:"perf_test_producers"`
	PerfTestRecords   int64   `json:"perf_test_records"`
	PerfTestP99       float64 `json:"perf_test_p99_ms"`
	Ratio             float64 `json:"ratio"`
	RecordBytes       int     `json:"record_bytes"`
	Settings          string  `json:"producer_settings"`
	Error             string  `json:"error,omitempty"`
}

func newReport(p *Plan) *Report {
	r := &Report{Schema: Schema, File: p.File, StartedAt: time.Now(), ProducersOnly: p.ProducersOnly}
	if len(p.Combinations) > 0 {
		r.Scenario = p.Combinations[0].Scenario.Name
	}
	for _, t := range p.SLO {
		r.SLO = append(r.SLO, t.Text)
	}
	if p.Fault != nil {
		r.UnderFault = describeFault(p.Fault)
	}
	r.Probe.WarmupSeconds, r.Probe.WindowSeconds = p.Shape.Warmup.Seconds(), p.Shape.Window.Seconds()
	r.Probe.FaultWarmupSeconds, r.Probe.MaxLagSeconds = p.Shape.FaultWarmup.Seconds(), p.Shape.MaxLag.Seconds()
	r.Search.Start, r.Search.Min, r.Search.Max = p.Search.Start, p.Search.Min, p.Search.Max
	r.Search.Precision, r.Search.MaxProbes = p.Search.Precision, p.Search.MaxProbes
	r.Target = p.Target
	return r
}

func describeFault(f *spec.Fault) string {
	t := f.Target
	switch {
	case t.Leader != nil:
		return fmt.Sprintf("%s (leader of partition %d)", f.Type, t.Leader.Partition)
	case t.Follower != nil:
		return fmt.Sprintf("%s (follower of partition %d)", f.Type, t.Follower.Partition)
	case t.Node != 0:
		return fmt.Sprintf("%s (node %d)", f.Type, t.Node)
	case t.Random:
		return f.Type + " (a random broker)"
	case t.All:
		return f.Type + " (all)"
	case t.Consumer != nil:
		return fmt.Sprintf("%s (consumer %d)", f.Type, *t.Consumer)
	case t.Service != "":
		return fmt.Sprintf("%s (%s)", f.Type, t.Service)
	}
	return f.Type
}

func resultOf(c Combination, fault *spec.Fault) Result {
	s := c.Scenario
	r := Result{Name: c.Name(), Topics: 1, Partitions: s.Topic.Partitions, MessageSize: s.Workload.MessageSize,
		ProducersPerTopic: s.Workload.Producers, ConsumersPerTopic: s.Consumer.Instances, WorkersPerConsumer: s.Consumer.Workers}
	if len(c.Settings) > 0 {
		r.Settings = map[string]string{}
		for _, o := range c.Settings {
			r.Settings[o.Path()] = o.Value
		}
	}
	if fault != nil {
		r.Fault = describeFault(fault)
	}
	return r
}

// shape describes a combination for the recommendation: "12 partitions, 3
// members × 8 workers", then any other swept setting.
func (r Result) shape(producersOnly bool) string {
	out := fmt.Sprintf("%s, %s × %s", plural(int(r.Partitions), "partition"), plural(r.ConsumersPerTopic, "member"), plural(r.WorkersPerConsumer, "worker"))
	if producersOnly {
		out = fmt.Sprintf("%s, %s", plural(int(r.Partitions), "partition"), plural(r.ProducersPerTopic, "producer"))
	}
	var rest []string
	for k, v := range r.Settings {
		switch k {
		case "topic.partitions", "consumer.instances", "consumer.workers", "workload.producers":
		default:
			rest = append(rest, k+"="+v)
		}
	}
	slices.Sort(rest)
	if len(rest) > 0 {
		out += ", " + strings.Join(rest, ", ")
	}
	return out
}

// recommend names the combination to run: with a target, the least
// consumer capacity (members × workers, then partitions) that sustains it
// healthy (and under the fault, when one was held); without, the highest.
func recommend(rep *Report, p *Plan) string {
	healthy := map[string]Result{}
	faulted := map[string]Result{}
	var names []string
	for _, r := range rep.Results {
		if r.Fault == "" {
			healthy[r.Name] = r
			names = append(names, r.Name)
		} else {
			faulted[r.Name] = r
		}
	}
	if len(names) == 0 {
		return ""
	}
	slo := "no latency SLO"
	if len(rep.SLO) > 0 {
		slo = strings.Join(rep.SLO, ", ")
	}
	ok := func(r Result) bool {
		if r.MaxSustainableRate < rep.Target {
			return false
		}
		f, held := faulted[r.Name]
		return !held || f.MaxSustainableRate >= rep.Target
	}
	if rep.Target > 0 {
		var fits []Result
		for _, n := range names {
			if ok(healthy[n]) {
				fits = append(fits, healthy[n])
			}
		}
		under := ""
		if p.Fault != nil {
			under = " (also with " + rep.UnderFault + ")"
		}
		if len(fits) == 0 {
			best := healthy[names[0]]
			for _, n := range names {
				best = maxBy(best, healthy[n])
			}
			return fmt.Sprintf("no combination sustains %s msg/s at %s%s; the highest is %s msg/s with %s (limit: %s)",
				RateText(rep.Target), slo, under, RateText(best.MaxSustainableRate), best.shape(rep.ProducersOnly), cmp.Or(best.Limit, "none found"))
		}
		slices.SortStableFunc(fits, func(a, b Result) int {
			if rep.ProducersOnly {
				return cmp.Or(cmp.Compare(a.ProducersPerTopic, b.ProducersPerTopic), cmp.Compare(a.Partitions, b.Partitions))
			}
			return cmp.Or(cmp.Compare(a.ConsumersPerTopic*a.WorkersPerConsumer, b.ConsumersPerTopic*b.WorkersPerConsumer),
				cmp.Compare(a.Partitions, b.Partitions))
		})
		return fmt.Sprintf("for %s msg/s at %s%s: %s (sustains %s msg/s)", RateText(rep.Target), slo, under, fits[0].shape(rep.ProducersOnly),
			RateText(fits[0].MaxSustainableRate))
	}
	best := healthy[names[0]]
	for _, n := range names {
		best = maxBy(best, healthy[n])
	}
	s := fmt.Sprintf("highest with %s: %s msg/s with %s", slo, RateText(best.MaxSustainableRate), best.shape(rep.ProducersOnly))
	if f, ok := faulted[best.Name]; ok {
		s += fmt.Sprintf("; %s msg/s with %s", RateText(f.MaxSustainableRate), rep.UnderFault)
	}
	return s
}

func maxBy(a, b Result) Result {
	if b.MaxSustainableRate > a.MaxSustainableRate {
		return b
	}
	return a
}

// Thousands writes a rate as a whole number with thousands separators.
func Thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// WriteTable writes one row per combination: the max sustainable rate,
// p50/p99 at that rate, the limit.
func (rep *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMBINATION\tFAULT\tMAX RATE/s\tE2E P50\tE2E P99\tACK P99\tPROBES\tLIMIT ABOVE IT")
	for _, r := range rep.Results {
		p50, p99, ack := "-", "-", "-"
		if r.AtMax != nil {
			p50, p99, ack = ms(r.AtMax.EndToEndLatency50pct), ms(r.AtMax.EndToEndLatency99pct), ms(r.AtMax.PublishLatency99pct)
			if rep.ProducersOnly {
				p50, p99 = "-", "-"
			}
		}
		limit := r.Limit
		if r.LimitDetail != "" {
			limit += ": " + r.LimitDetail
		}
		if r.Error != "" {
			limit = "error: " + r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Name, cmp.Or(r.Fault, "-"), RateText(r.MaxSustainableRate),
			p50, p99, ack, len(r.Probes), limit)
	}
	tw.Flush()
	for _, r := range rep.Results {
		if r.Ended != "" {
			fmt.Fprintf(w, "search %s%s: %s\n", r.Name, map[bool]string{true: " under " + r.Fault}[r.Fault != ""], r.Ended)
		}
	}
	if rep.Recommendation != "" {
		fmt.Fprintln(w, "recommendation:", rep.Recommendation)
	}
	if c := rep.PerfTest; c != nil {
		if c.Error != "" {
			fmt.Fprintln(w, "kafka-producer-perf-test: could not run:", c.Error)
		} else {
			fmt.Fprintf(w, "producers' ceiling: chaosrun %s/s (open model, acked within 1%%) vs kafka-producer-perf-test %s/s (closed loop, %d at once, %d records of %d bytes, p99 %s): ratio %.2f\n",
				RateText(c.ChaosrunRate), Thousands(c.PerfTestRate), c.PerfTestProducers, c.PerfTestRecords, c.RecordBytes, ms(c.PerfTestP99), c.Ratio)
		}
	}
}

func ms(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

// WriteJSON writes the report.
func (rep *Report) WriteJSON(file string) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(data, '\n'), 0o644)
}

// WriteCSV writes one row per probe.
func (rep *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"combination", "fault", "targetRate", "sustained", "limit", "publishRate", "consumeRate",
		"backlog", "backlogGrowthPerSecond", "maxLagSeconds", "publishLatency50pct", "publishLatency99pct",
		"endToEndLatency50pct", "endToEndLatency99pct", "endToEndLatencyMax", "stoppedEarly", "detail"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, r := range rep.Results {
		for _, p := range r.Probes {
			cw.Write([]string{r.Name, r.Fault, f(p.TargetRate), strconv.FormatBool(p.Sustained), p.Limit, f(p.PublishRate),
				f(p.ConsumeRate), strconv.FormatInt(p.Backlog, 10), f(p.BacklogGrowth), f(p.MaxLagSeconds),
				f(p.PublishLatency50pct), f(p.PublishLatency99pct), f(p.EndToEndLatency50pct), f(p.EndToEndLatency99pct),
				f(p.EndToEndLatencyMax), p.Stopped, p.Detail})
		}
	}
	cw.Flush()
	return cw.Error()
}

// TargetMet says whether some combination sustains the target, healthy
// (and under the fault, when one was held).
func (rep *Report) TargetMet() bool {
	under := map[string]float64{}
	for _, r := range rep.Results {
		if r.Fault != "" {
			under[r.Name] = r.MaxSustainableRate
		}
	}
	for _, r := range rep.Results {
		if r.Fault != "" || r.MaxSustainableRate < rep.Target {
			continue
		}
		if u, ok := under[r.Name]; ok && u < rep.Target {
			continue
		}
		return true
	}
	return false
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
