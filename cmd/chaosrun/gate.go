package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/spf13/cobra"

	"github.com/chaosrun/chaosrun/gate"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

// gateFlags are the gate's options.
type gateFlags struct {
	out, rt, image  string
	sets, configs   []string
	junit, markdown string
	metricsAddr     string
	quiet           bool
	ext             externalFlags
}

func gateCmd() *cobra.Command {
	var f gateFlags
	cmd := &cobra.Command{
		Use:   "gate PATH...",
		Short: "Run a set of scenarios as a release gate",
		Long: `Gate runs every scenario under PATH (scenario files, folders searched for
*.yaml, suite files) one after another, with the same overrides applied to each,
and judges them together. Every file is read and checked before anything runs.
Each run writes into OUT/<scenario>/. Exit codes: 0 every expectation and
threshold met, 1 some not met, 2 bad input, 3 a harness error or an interrupted
gate (a run that proves nothing is never a pass).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGate(cmd.Context(), args, f, os.Stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "chaosrun-gate", "directory for each run's results (OUT/<scenario>/)")
	fl.StringVar(&f.rt, "runtime", runtimes.Auto, "where Kafka runs: "+runtimes.ChoicesText())
	fl.StringVar(&f.image, "image", "", "Kafka image for the docker runtime (default $CHAOSRUN_IMAGE, else apache/kafka:"+harness.DefaultKafkaVersion+")")
	fl.StringArrayVar(&f.sets, "set", nil, "override a setting in every scenario: section.key=value, section one of "+fmt.Sprint(spec.OverrideSections)+" (repeatable; wins over --config)")
	fl.StringArrayVar(&f.configs, "config", nil, "properties file of section.key=value overrides (repeatable)")
	fl.StringVar(&f.junit, "junit", "", "write JUnit XML here")
	fl.StringVar(&f.markdown, "markdown", "", "write a Markdown report here (also appended to $GITHUB_STEP_SUMMARY when set)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress lines and no per-run summaries: one line per run")
	metricsFlag(cmd, &f.metricsAddr)
	f.ext.add(cmd)
	return cmd
}

func runGate(ctx context.Context, paths []string, f gateFlags, stdout io.Writer) error {
	var ovs []spec.Override
	for _, c := range f.configs {
		o, err := spec.ReadOverrides(c)
		if err != nil {
			return &exitError{exitBadInput, fmt.Errorf("--config %s: %w", c, err)}
		}
		ovs = append(ovs, o...)
	}
	for _, s := range f.sets {
		o, err := spec.ParseOverride(s, "--set")
		if err != nil {
			return &exitError{exitBadInput, err}
		}
		ovs = append(ovs, o)
	}
	var extOpts runner.Options
	extOpts.Runtime = f.rt
	if err := f.ext.apply(&extOpts); err != nil {
		return err
	}
	f.rt = extOpts.Runtime
	if !validRuntime(f.rt) {
		return &exitError{exitBadInput, fmt.Errorf("--runtime %q: want %s (or external, with --cluster or --bootstrap)", f.rt, runtimes.ChoicesText())}
	}
	entries, err := gate.Collect(paths, ovs)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	for _, e := range entries {
		if ext := extOpts.External; ext != nil {
			if err := runner.UnfitExternal(e.Scenario, ext); err != nil {
				return &exitError{exitBadInput, fmt.Errorf("%s: %w", e.Scenario.File, err)}
			}
		}
	}
	if f.rt != runtimes.Auto && f.rt != runner.RuntimeExternal {
		for _, e := range entries {
			if err := runner.Unfit(e.Scenario, f.rt); err != nil {
				return &exitError{exitBadInput, fmt.Errorf("%s: %w", e.Scenario.File, err)}
			}
		}
	}
	ctx, stop := signal.NotifyContext(ctxOrBackground(ctx), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)

	fmt.Fprintf(stdout, "chaosrun gate: %d scenarios, results in %s\n", len(entries), f.out)
	done := 0
	ropts := runner.Options{}
	between, stopObserving, err := observe(&ropts, f.quiet, f.metricsAddr)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	defer stopObserving()
	opts := gate.Options{Runtime: f.rt, Image: f.image, External: extOpts.External, Keep: extOpts.Keep, OutDir: f.out, Logf: ropts.Logf, Progress: ropts.Progress, ProgressLatency: ropts.ProgressLatency}
	opts.Each = func(e gate.Entry, res *result.Result, err error) {
		between() // ends the status line; the next run's rates start afresh
		done++
		printGateRun(stdout, done, len(entries), e, res, err, f.quiet)
	}
	out := gate.Execute(ctx, entries, opts)
	results := out.Results()
	lines := scenarioLines(entries)
	if err := writeGateReports(f, results, notRun(entries, out), lines); err != nil {
		return &exitError{exitHarnessError, err}
	}
	if err := writeIndex(f.out, results); err != nil {
		return &exitError{exitHarnessError, err}
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		reports.WriteAnnotations(stdout, results, lines)
	}
	verdict := out.Verdict(len(entries))
	fmt.Fprintf(stdout, "chaosrun gate: %s (%d of %d run)\n", verdict, len(out.Runs), len(entries))
	switch verdict {
	case gate.Failed:
		return &exitError{exitUnmet, errors.New("gate failed: some expectation or threshold not met")}
	case gate.Unfinished:
		return &exitError{exitHarnessError, errors.New("gate unfinished: a run errored or was not made; it proves nothing")}
	}
	return nil
}

func printGateRun(w io.Writer, i, n int, e gate.Entry, res *result.Result, err error, quiet bool) {
	if res != nil && !quiet {
		reports.Summary(w, res)
	}
	status := "met"
	switch {
	case res == nil:
		status = "not run: " + err.Error()
	case err != nil:
		status = "ERROR: " + err.Error()
	case !res.ExpectationMet:
		status = fmt.Sprintf("NOT met: %v", res.Unmet())
	}
	fmt.Fprintf(w, "[%d/%d] %s (%s): %s\n", i, n, e.Scenario.Name, e.Scenario.File, status)
}

// scenarioLines finds a verdict's line in the scenario file its result
// came from, or in the suite file for a suite's threshold.
func scenarioLines(entries []gate.Entry) reports.LineOf {
	byFile := map[string]gate.Entry{}
	for _, e := range entries {
		byFile[e.Scenario.File] = e
	}
	return func(r *result.Result, verdict string) (string, int) {
		e, ok := byFile[r.File]
		if !ok {
			return "", 0
		}
		if line, ok := e.SuiteLines[verdict]; ok {
			return e.Suite, line
		}
		return "", e.Scenario.LineOf(verdict)
	}
}

// notRun lists the entries the gate has no result of, with why.
func notRun(entries []gate.Entry, out *gate.Outcome) []reports.NotRun {
	var missing []reports.NotRun
	for i, e := range entries {
		why := "the gate was interrupted before it"
		if i < len(out.Runs) {
			r := out.Runs[i]
			if r.Result != nil {
				continue
			}
			why = fmt.Sprint(r.Err)
		}
		missing = append(missing, reports.NotRun{Scenario: e.Scenario.Name, File: e.Scenario.File, Why: why})
	}
	return missing
}

func writeGateReports(f gateFlags, results []*result.Result, notRun []reports.NotRun, lines reports.LineOf) error {
	if f.junit != "" {
		if err := writeFile(f.junit, func(w io.Writer) error { return reports.WriteJUnit(w, "chaosrun gate", results, notRun) }); err != nil {
			return err
		}
	}
	md := func(w io.Writer) error { return reports.WriteMarkdown(w, "chaosrun gate", results, notRun) }
	if f.markdown != "" {
		if err := writeFile(f.markdown, md); err != nil {
			return err
		}
	}
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		fh, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("$GITHUB_STEP_SUMMARY: %w", err)
		}
		defer fh.Close()
		if err := md(fh); err != nil {
			return fmt.Errorf("$GITHUB_STEP_SUMMARY: %w", err)
		}
	}
	return nil
}

// writeFile writes path through render, creating its directory.
func writeFile(path string, render func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := render(fh); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return fh.Close()
}

// writeIndex writes OUT/index.html, linking each run's report.html.
func writeIndex(out string, results []*result.Result) error {
	link := func(r *result.Result) string {
		rel, err := filepath.Rel(out, filepath.Join(filepath.Dir(r.Path), "report.html"))
		if err != nil || r.Path == "" {
			return ""
		}
		return filepath.ToSlash(rel)
	}
	return writeFile(filepath.Join(out, "index.html"), func(w io.Writer) error {
		return reports.WriteIndex(w, "chaosrun gate", results, link)
	})
}
