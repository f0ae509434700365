// Package chaosrun runs chaos scenarios against real Apache Kafka from Go
// tests: a scenario (a YAML file, or the same struct built in Go) runs on a
// cluster chaosrun starts (local JVMs or docker) or on an existing one, and
// the test fails with the verdicts it did not meet and their evidence.
//
//	func TestLeaderKill(t *testing.T) {
//		s, err := chaosrun.Load("scenarios/leader-kill-safe.yaml")
//		if err != nil {
//			t.Fatal(err)
//		}
//		res := chaosrun.Run(t, s)
//		t.Logf("acked %d, p99 %.0f ms", res.Counts.Acked, res.Latency["produce_ack"].P99)
//	}
package chaosrun

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

// Scenario is what a run does: cluster, workload, faults, assertions and
// the expected verdict. Load reads one from YAML; New checks one built in Go.
type Scenario = spec.Scenario

// Result is everything a run measured and how it was judged; it is what
// result.json holds.
type Result = result.Result

// Load reads and checks a scenario file. Its errors point at file, line
// and field.
func Load(path string) (*Scenario, error) { return spec.Load(path) }

// New checks a scenario built in Go the way a file is checked, defaults
// included; a zero field takes its default.
func New(s Scenario) (*Scenario, error) { return spec.New(s) }

// Option changes how Run runs.
type Option func(*config) error

type config struct {
	opts    runner.Options
	timeout time.Duration
	quiet   bool
}

// WithRuntime runs on a named runtime (auto, docker, process); the default
// is $CHAOSRUN_RUNTIME, else auto, and external for an external cluster.
func WithRuntime(name string) Option {
	return func(c *config) error { c.opts.Runtime = name; return nil }
}

// WithImage is the Kafka image of the docker runtime.
func WithImage(image string) Option {
	return func(c *config) error { c.opts.Image = image; return nil }
}

// WithCluster runs on the existing cluster a cluster file describes
// (bootstrap, security settings, fault hooks), as `--cluster FILE` does.
func WithCluster(file string) Option {
	return func(c *config) error {
		e, err := spec.LoadExternal(file)
		c.opts.External = e
		return err
	}
}

// WithExternal runs on an existing cluster described in Go; it is checked
// as a cluster file is (its Security is filled from Config).
func WithExternal(e *spec.External) Option {
	return func(c *config) error {
		c.opts.External = e
		if e == nil {
			return nil
		}
		return e.Validate()
	}
}

// WithBootstrap runs on an existing plaintext cluster without hooks.
func WithBootstrap(addrs ...string) Option {
	return func(c *config) error {
		e, err := spec.BootstrapExternal(strings.Join(addrs, ","))
		c.opts.External = e
		return err
	}
}

// WithExportLedger writes the run's ledger to file (see `--export-ledger`).
func WithExportLedger(file string) Option {
	return func(c *config) error { c.opts.ExportLedger = file; return nil }
}

// WithKeep leaves the run's topics and groups on an external cluster.
func WithKeep() Option { return func(c *config) error { c.opts.Keep = true; return nil } }

// WithOutDir writes result.json, report.html and the histograms there
// (default: a directory of the test's, removed when it ends).
func WithOutDir(dir string) Option {
	return func(c *config) error { c.opts.OutDir = dir; return nil }
}

// WithTimeout bounds the whole run (default 15 minutes; never closer than
// 3 minutes to the test binary's -timeout deadline, which a run interrupted
// then needs to heal and tear down).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error { c.timeout = d; return nil }
}

// WithLogf sends the run's progress lines to logf instead of t.Logf.
func WithLogf(logf func(string, ...any)) Option {
	return func(c *config) error { c.opts.Logf = logf; return nil }
}

// Quiet drops the progress lines and the summary from the test's log.
func Quiet() Option { return func(c *config) error { c.quiet = true; return nil } }

// teardownMargin is what a run needs after it is interrupted: heal the
// faults, stop the cluster, delete its topics.
const teardownMargin = 3 * time.Minute

// Run runs s on real Kafka and returns its result. The test fails, with
// the verdicts that broke the scenario's expectation and their evidence,
// when the expectation is not met; it stops (FailNow) on bad input or a
// harness error, which prove nothing. When no runtime can start Kafka here
// the test is skipped with the reason, unless $CI is set: then it fails.
// Everything the run started is removed before Run returns; the run's
// context ends with the test (t.Cleanup), and the default output
// directory goes with the test's temporary files.
func Run(t testing.TB, s *Scenario, opts ...Option) *Result {
	t.Helper()
	if s == nil {
		t.Fatal("chaosrun.Run: nil scenario")
	}
	c := config{timeout: 15 * time.Minute, opts: runner.Options{Logf: t.Logf}}
	for _, o := range opts {
		if err := o(&c); err != nil {
			t.Fatalf("chaosrun.Run %s: %v", s.Name, err)
		}
	}
	if c.opts.Runtime == "" && c.opts.External == nil && s.Cluster.External == nil {
		c.opts.Runtime = os.Getenv("CHAOSRUN_RUNTIME")
	}
	if c.quiet {
		c.opts.Logf = nil
	}
	if c.opts.OutDir == "" {
		c.opts.OutDir = t.TempDir()
	}
	// Stop before the test binary's own deadline, with time left to heal
	// and tear down: a binary killed at its deadline cleans nothing.
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, set := d.Deadline(); set {
			c.timeout = min(c.timeout, time.Until(end)-teardownMargin)
		}
	}
	if c.timeout <= 0 {
		t.Fatalf("chaosrun.Run %s: the test's deadline leaves no time for a run (raise go test -timeout)", s.Name)
	}
	ctx, cancel := context.WithTimeout(t.Context(), c.timeout)
	t.Cleanup(cancel)
	if c.opts.External == nil && s.Cluster.External == nil {
		if why := cannotStart(ctx, s, c.opts); why != "" {
			if os.Getenv("CI") != "" {
				t.Fatalf("chaosrun.Run %s: %s, and CI is set", s.Name, why)
			}
			t.Skipf("chaosrun.Run %s: %s", s.Name, why)
		}
	}
	res, err := runner.Run(ctx, s, c.opts)
	if res != nil && !c.quiet {
		var buf bytes.Buffer
		reports.Summary(&buf, res)
		t.Log("\n" + buf.String())
	}
	var bad *spec.Errors
	switch {
	case errors.As(err, &bad):
		t.Fatalf("chaosrun.Run: bad scenario:\n%v", err)
	case err != nil:
		t.Fatalf("chaosrun.Run %s: the run proves nothing: %v", s.Name, err)
	case !res.ExpectationMet:
		t.Errorf("chaosrun.Run %s: expectation not met\n%s", s.Name, Evidence(res))
	}
	return res
}

// cannotStart says why no runtime can run s here ("" when one can). A
// scenario that does not fit the runtime named is bad input, not a skip.
func cannotStart(ctx context.Context, s *Scenario, opts runner.Options) string {
	kind, _ := kitchendb.LookupSink(s.Sink.Type)
	if err := kind.CannotStart(s.Sink.URL); err != nil {
		return "its kitchen database is " + kind.Server.Software + ", and none is installed here: " + err.Error()
	}
	if _, _, err := runner.ChooseRuntime(ctx, s, opts); err != nil {
		var bad *spec.Errors
		if errors.As(err, &bad) {
			return "" // Run reports it as the bad input it is
		}
		return "no runtime can start Kafka here: " + err.Error()
	}
	return ""
}

// Evidence is a few lines on a result whose expectation was not met: what
// was unmet, and each failed verdict's summary with its first details.
func Evidence(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (seed %d, run %s): %s\n", cmp.Or(res.File, res.Scenario), res.Seed, res.RunID, strings.Join(res.Unmet(), "; "))
	for _, v := range res.Assertions {
		if v.Passed {
			continue
		}
		fmt.Fprintf(&b, "  %s: %s\n", v.Name, v.Summary)
		for i, d := range v.Details {
			if i == 4 {
				fmt.Fprintf(&b, "    … %d more in result.json\n", len(v.Details)-i)
				break
			}
			fmt.Fprintf(&b, "    %s\n", d)
		}
	}
	return b.String()
}
