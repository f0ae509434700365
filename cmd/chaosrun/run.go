package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/spf13/cobra"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/metrics"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

func runCmd() *cobra.Command {
	var out, rt, image, metricsAddr string
	var quiet bool
	var ext externalFlags
	var exportLedger string
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run one scenario and judge it",
		Long: `Run starts a real Kafka cluster behind toxiproxy, drives the order workload,
injects the scenario's faults, drains and judges. It prints a summary and writes
DIR/result.json. Exit codes: 0 expectation met, 1 not met, 2 bad input, 3 harness error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := runner.Options{Runtime: rt, Image: image, OutDir: out, ExportLedger: exportLedger}
			if err := ext.apply(&opts); err != nil {
				return err
			}
			return runScenario(cmd.Context(), args[0], opts, quiet, metricsAddr)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for result.json and .hgrm files (default chaosrun-results/<scenario>)")
	cmd.Flags().StringVar(&rt, "runtime", runtimes.Auto, "where Kafka runs: "+runtimes.ChoicesText()+
		" (auto: the first that fits the scenario and is usable here)")
	cmd.Flags().StringVar(&image, "image", "", "Kafka image for the docker runtime (default $CHAOSRUN_IMAGE, else apache/kafka:"+harness.DefaultKafkaVersion+")")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress lines, only the summary")
	metricsFlag(cmd, &metricsAddr)
	ext.add(cmd)
	cmd.Flags().StringVar(&exportLedger, "export-ledger", "", "write every acked record's partition and offset and the failed, unknown and processed sets to FILE (JSON, schema chaosrun.ledger/v1), to check against the log independently")
	return cmd
}

// externalFlags choose an existing cluster to run on.
type externalFlags struct {
	cluster, bootstrap string
	keep               bool
}

func (f *externalFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.cluster, "cluster", "", "run on an existing cluster described in FILE (bootstrap, security settings, fault hooks)")
	cmd.Flags().StringVar(&f.bootstrap, "bootstrap", "", "run on an existing plaintext cluster at HOST:PORT[,HOST:PORT...] (no hooks: broker faults are refused)")
	cmd.Flags().BoolVar(&f.keep, "keep", false, "on an external cluster, leave the run's topics and groups for inspection instead of deleting them")
}

// apply reads the cluster file or the bootstrap list into opts.
func (f *externalFlags) apply(opts *runner.Options) error {
	opts.Keep = f.keep
	switch {
	case f.cluster != "" && f.bootstrap != "":
		return &exitError{exitBadInput, errors.New("--cluster and --bootstrap: give one (a cluster file holds its bootstrap list)")}
	case f.cluster != "":
		e, err := spec.LoadExternal(f.cluster)
		if err != nil {
			return &exitError{exitBadInput, err}
		}
		opts.External = e
	case f.bootstrap != "":
		e, err := spec.BootstrapExternal(f.bootstrap)
		if err != nil {
			return &exitError{exitBadInput, err}
		}
		opts.External = e
	}
	if opts.External != nil && opts.Runtime == runtimes.Auto {
		opts.Runtime = runner.RuntimeExternal
	}
	return nil
}

// validRuntime is a runtime choice, or external for an existing cluster.
func validRuntime(rt string) bool {
	return rt == runner.RuntimeExternal || runtimes.ValidChoice(rt)
}

// metricsFlag adds --metrics-addr: alone it serves on loopback.
func metricsFlag(cmd *cobra.Command, addr *string) {
	cmd.Flags().StringVar(addr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics during the run (alone: "+metrics.DefaultAddr+")")
	cmd.Flags().Lookup("metrics-addr").NoOptDefVal = metrics.DefaultAddr
}

// observe sets opts up to show progress (unless quiet) and to serve
// metrics (when addr is set); between ends a run's status line (a gate
// calls it after each run), stop ends both.
func observe(opts *runner.Options, quiet bool, addr string) (between, stop func(), err error) {
	var tell []func(runner.Progress)
	con := newConsole(os.Stderr)
	if !quiet {
		opts.Logf = con.logf
		tell = append(tell, con.progress)
	}
	var exp *metrics.Exporter
	if addr != "" {
		if exp, err = metrics.Serve(addr); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(os.Stderr, "metrics: http://%s/metrics\n", exp.Addr())
		opts.ProgressLatency = true
		tell = append(tell, exp.Observe)
	}
	if len(tell) > 0 {
		opts.Progress = func(p runner.Progress) {
			for _, f := range tell {
				f(p)
			}
		}
	}
	return con.done, func() {
		con.done()
		if exp != nil {
			exp.Close()
		}
	}, nil
}

func runScenario(ctx context.Context, file string, opts runner.Options, quiet bool, metricsAddr string) error {
	s, err := spec.Load(file)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	if !validRuntime(opts.Runtime) {
		return &exitError{exitBadInput, fmt.Errorf("--runtime %q: want %s (or external, with --cluster or --bootstrap)", opts.Runtime, runtimes.ChoicesText())}
	}
	if opts.OutDir == "" {
		opts.OutDir = "chaosrun-results/" + s.Name
	}
	_, stopObserving, err := observe(&opts, quiet, metricsAddr)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	defer stopObserving()
	ctx, stop := signal.NotifyContext(ctxOrBackground(ctx), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts an orderly teardown; stop listening then, so a
	// second one kills the process (the next run cleans what is left).
	context.AfterFunc(ctx, stop)
	res, err := runner.Run(ctx, s, opts)
	var bad *spec.Errors
	if errors.As(err, &bad) {
		return &exitError{exitBadInput, err}
	}
	if res != nil {
		if serr := reports.Summary(os.Stdout, res); serr != nil && err == nil {
			err = serr
		}
	}
	switch {
	case err != nil:
		return &exitError{exitHarnessError, err}
	case !res.ExpectationMet:
		return &exitError{exitUnmet, fmt.Errorf("expectation not met: %v", res.Unmet())}
	}
	return nil
}

// progress is log lines on stderr, or nothing when quiet.
func progress(quiet bool) func(string, ...any) {
	if quiet {
		return nil
	}
	return newConsole(os.Stderr).logf
}

func ctxOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
