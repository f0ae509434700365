package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/spf13/cobra"

	"github.com/chaosrun/chaosrun/capacity"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

type capacityFlags struct {
	slo, sweeps                   []string
	underFault, out, rt, image    string
	target, start, min, max, prec float64
	maxProbes                     int
	warmup, window, faultWarmup   time.Duration
	maxLag                        time.Duration
	producersOnly, perfTest       bool
	quiet, verbose                bool
}

func capacityCmd() *cobra.Command {
	var f capacityFlags
	cmd := &cobra.Command{
		Use:   "capacity FILE",
		Short: "Search the highest rate a scenario's system sustains, per combination of swept settings",
		Long: `Capacity takes a scenario as the template and searches the highest open-model
rate at which, over a judged window after a warm-up, the acked rate keeps up with
the target (within 1%), the consumer group's lag stays bounded and does not grow,
and the SLO holds. A ramp brackets the limit, bisection narrows it to --precision,
and --max-probes bounds the search; a probe stops early once it clearly cannot
hold. The template's faults, thresholds and load are not used: each probe is a
steady load at one rate, on a topic and group of its own, on a cluster started
once per cluster configuration. --sweep varies settings as a grid; --under-fault
repeats each search with one of the scenario's faults held through every probe.

Writes OUT/capacity.json (every probe), capacity.csv and capacity.html, and
prints one row per combination with what limits it. Exit codes: 0 searched (and
--target met), 1 --target not met by any combination, 2 bad input, 3 harness
error or interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCapacity(cmd.Context(), args[0], f, os.Stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.slo, "slo", nil, `latency objective of the judged window, e.g. "p99<500ms" (end to end from the intended send time) or any gate threshold such as "produce_ack.p99<50ms" (repeatable)`)
	fl.StringArrayVar(&f.sweeps, "sweep", nil, "key=v1,v2,...: a setting to vary, a scenario field ("+fmt.Sprint(spec.OverrideFields)+") or a key under "+fmt.Sprint(spec.OverrideSections)+" (repeatable: a grid)")
	fl.StringVar(&f.underFault, "under-fault", "", "also search with this fault of the scenario held through each probe: its type, or its position (1 for the first)")
	fl.Float64Var(&f.target, "target", 0, "the rate needed, records/s: the recommendation names the smallest combination that sustains it")
	fl.Float64Var(&f.start, "start", 0, "first rate tried, records/s (default: the template's highest steady rate)")
	fl.Float64Var(&f.min, "min", 10, "lowest rate tried, records/s")
	fl.Float64Var(&f.max, "max", 1_000_000, "highest rate tried, records/s")
	fl.Float64Var(&f.prec, "precision", 0.05, "stop when the highest rate held and the lowest failed are this close (a fraction)")
	fl.IntVar(&f.maxProbes, "max-probes", 16, "probes per search, at most")
	fl.DurationVar(&f.warmup, "warmup", capacity.DefaultShape.Warmup, "load at the rate before the judged window")
	fl.DurationVar(&f.window, "window", capacity.DefaultShape.Window, "the judged window of each probe")
	fl.DurationVar(&f.faultWarmup, "fault-warmup", capacity.DefaultShape.FaultWarmup, "warm-up under --under-fault (leaders must move first)")
	fl.DurationVar(&f.maxLag, "max-lag", capacity.DefaultShape.MaxLag, "the worst partition's lag allowed in the window")
	fl.BoolVar(&f.producersOnly, "producers-only", false, "run no consumer group: the producers' ceiling (and kafka-producer-perf-test's on the same cluster)")
	fl.BoolVar(&f.perfTest, "perf-test", true, "with --producers-only, run kafka-producer-perf-test on the same cluster for comparison")
	fl.StringVar(&f.out, "out", "", "directory for capacity.json, .csv and .html (default chaosrun-capacity/<scenario>)")
	fl.StringVar(&f.rt, "runtime", runtimes.Auto, "where Kafka runs: "+runtimes.ChoicesText())
	fl.StringVar(&f.image, "image", "", "Kafka image for the docker runtime")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no line per probe, only the table")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "also the harness's log lines (cluster, topics, group)")
	return cmd
}

// plan checks every flag and reads every combination before anything starts.
func (f capacityFlags) plan(file string) (*capacity.Plan, error) {
	var sweeps []capacity.Sweep
	for _, text := range f.sweeps {
		sw, err := capacity.ParseSweep(text)
		if err != nil {
			return nil, err
		}
		sweeps = append(sweeps, sw)
	}
	slo, err := capacity.ParseSLO(f.slo)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]float64{"--min": f.min, "--max": f.max, "--target": f.target, "--start": f.start, "--precision": f.prec} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s %g: want a number", name, v)
		}
	}
	switch {
	case f.min <= 0 || f.max < f.min:
		return nil, fmt.Errorf("--min %g --max %g: want 0 < min <= max", f.min, f.max)
	case f.prec <= 0 || f.prec >= 1:
		return nil, fmt.Errorf("--precision %g: want a fraction, e.g. 0.05", f.prec)
	case f.maxProbes < 2:
		return nil, fmt.Errorf("--max-probes %d: at least 2", f.maxProbes)
	case f.warmup < time.Second || f.window < 5*time.Second || f.faultWarmup < time.Second:
		return nil, fmt.Errorf("--warmup and --fault-warmup at least 1s, --window at least 5s (lag is judged on its trend)")
	case f.maxLag <= 0:
		return nil, fmt.Errorf("--max-lag %s: want a positive duration", f.maxLag)
	case f.target < 0 || f.start < 0:
		return nil, fmt.Errorf("--target and --start: want a rate in records/s")
	case f.start != 0 && (f.start < f.min || f.start > f.max):
		return nil, fmt.Errorf("--start %g: outside --min %g and --max %g", f.start, f.min, f.max)
	case f.target > f.max:
		return nil, fmt.Errorf("--target %g: above --max %g, so never tried", f.target, f.max)
	case f.producersOnly && len(slo) > 0:
		for _, t := range slo {
			if t.Metric != "produce_ack.p50" && t.Metric != "produce_ack.p90" && t.Metric != "produce_ack.p99" &&
				t.Metric != "produce_ack.p99.9" && t.Metric != "produce_ack.max" {
				return nil, fmt.Errorf("--slo %q: with --producers-only nothing is consumed; only produce_ack latencies can be judged", t.Text)
			}
		}
	}
	p, err := capacity.NewPlan(file, sweeps, f.underFault)
	if err != nil {
		return nil, err
	}
	p.SLO, p.ProducersOnly, p.Target = slo, f.producersOnly, f.target
	p.Shape = capacity.Shape{Warmup: f.warmup, Window: f.window, FaultWarmup: f.faultWarmup, MaxLag: f.maxLag}
	start := f.start
	if start == 0 {
		start = capacity.TemplateRate(p.Combinations[0].Scenario)
	}
	p.Search = capacity.Search{Start: min(f.max, max(f.min, start)), Min: f.min, Max: f.max, Precision: f.prec,
		MaxProbes: f.maxProbes, Growth: 2}
	if p.Fault != nil && f.producersOnly && capacity.ActsOnConsumers(p.Fault) {
		return nil, fmt.Errorf("--under-fault %s acts on the consumer group, which --producers-only does not run", p.Fault.Type)
	}
	return p, nil
}

func runCapacity(ctx context.Context, file string, f capacityFlags, stdout io.Writer) error {
	p, err := f.plan(file)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	if !runtimes.ValidChoice(f.rt) {
		return &exitError{exitBadInput, fmt.Errorf("--runtime %q: want %s", f.rt, runtimes.ChoicesText())}
	}
	for _, c := range p.Combinations {
		if f.rt != runtimes.Auto {
			if err := runner.Unfit(p.ClusterScenario(c), f.rt); err != nil {
				return &exitError{exitBadInput, err}
			}
		}
	}
	out := f.out
	if out == "" {
		out = filepath.Join("chaosrun-capacity", p.Combinations[0].Scenario.Name)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return &exitError{exitBadInput, fmt.Errorf("--out: %w", err)}
	}
	ctx, stop := signal.NotifyContext(ctxOrBackground(ctx), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)

	con := newConsole(os.Stderr)
	defer con.done()
	o := capacity.Options{Run: runner.Options{Runtime: f.rt, Image: f.image}, PerfTest: f.perfTest}
	if f.verbose {
		o.Run.Logf = con.logf
	}
	if !f.quiet {
		o.Run.Progress = con.progress
		n := 0
		o.Each = func(c capacity.Combination, faulted bool, pr capacity.ProbeResult) {
			con.done()
			n++
			verdict := "held"
			if !pr.Sustained {
				verdict = "failed (" + pr.Limit + ")"
			}
			under := ""
			if faulted {
				under = " under " + p.Fault.Type
			}
			fmt.Fprintf(stdout, "probe %d  %s%s  %s/s %s  %.0fs: %s\n", n, c.Name(), under, capacity.RateText(pr.TargetRate),
				verdict, pr.Seconds, pr.Detail)
		}
	}
	fmt.Fprintf(stdout, "chaosrun capacity: %s, %d combinations%s, results in %s\n", p.Combinations[0].Scenario.Name,
		len(p.Combinations), map[bool]string{true: " (each also under " + f.underFault + ")"}[p.Fault != nil], out)
	rep, runErr := capacity.Execute(ctx, p, o)
	con.done()
	fmt.Fprintln(stdout)
	rep.WriteTable(stdout)
	if err := writeCapacity(out, rep); err != nil && runErr == nil {
		runErr = err
	}
	fmt.Fprintf(stdout, "wrote %s/capacity.json, capacity.csv, capacity.html (%s)\n", out, rep.EndedAt.Sub(rep.StartedAt).Round(time.Second))
	var bad *spec.Errors
	switch {
	case errors.As(runErr, &bad):
		return &exitError{exitBadInput, runErr}
	case runErr != nil:
		return &exitError{exitHarnessError, runErr}
	case p.Target > 0 && !rep.TargetMet():
		return &exitError{exitUnmet, fmt.Errorf("no combination sustains the target %s/s", capacity.RateText(p.Target))}
	}
	return nil
}

func writeCapacity(dir string, rep *capacity.Report) error {
	if err := rep.WriteJSON(filepath.Join(dir, "capacity.json")); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "capacity.csv"))
	if err != nil {
		return err
	}
	if err := rep.WriteCSV(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return rep.WriteHTML(filepath.Join(dir, "capacity.html"))
}
