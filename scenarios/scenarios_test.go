package scenarios

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

// files lists every shipped scenario.
func files(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			out = append(out, path)
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	return out
}

// TestShippedScenariosAreValid is the fast check: every file parses strictly.
func TestShippedScenariosAreValid(t *testing.T) {
	for _, f := range files(t) {
		if _, err := spec.Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// run runs one scenario on real Kafka and fails the test unless the
// scenario's own expectation (pass, or fail with the named assertions) is met.
func run(t *testing.T, file string) *reports.Result {
	t.Helper()
	if testing.Short() {
		t.Skip("scenario runs start a real Kafka cluster; skipped under -short")
	}
	if _, err := exec.LookPath("java"); err != nil && os.Getenv("CHAOSRUN_RUNTIME") != runner.RuntimeDocker {
		t.Skip("java is not installed and CHAOSRUN_RUNTIME is not docker; scenarios need real Kafka brokers (see README prerequisites)")
	}
	s, err := spec.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out := filepath.Join(resultsDir(t), s.Name)
	res, err := runner.Run(ctx, s, runner.Options{Runtime: os.Getenv("CHAOSRUN_RUNTIME"), OutDir: out, Logf: t.Logf})
	if res != nil {
		var buf bytes.Buffer
		reports.Summary(&buf, res)
		t.Log("\n" + buf.String())
	}
	if err != nil {
		t.Fatalf("run %s: %v", file, err)
	}
	if !res.ExpectationMet {
		t.Fatalf("%s: expectation not met: %v", file, res.Unmet())
	}
	return res
}

// resultsDir keeps result files where CI can upload them, or in a temp dir.
func resultsDir(t *testing.T) string {
	if d := os.Getenv("CHAOSRUN_RESULTS"); d != "" {
		return d
	}
	return t.TempDir()
}

func verdict(t *testing.T, res *reports.Result, name string) bool {
	t.Helper()
	for _, v := range res.Assertions {
		if v.Name == name {
			return v.Passed
		}
	}
	t.Fatalf("no %s verdict in the result", name)
	return false
}

func TestBaseline(t *testing.T) {
	res := run(t, "baseline.yaml")
	if res.Counts.Acked < 20000 || res.Counts.LostKafka != 0 || res.Counts.LostConsumer != 0 {
		t.Errorf("baseline counts: %+v", res.Counts)
	}
}

func TestLeaderKillSafe(t *testing.T) {
	res := run(t, "leader-kill-safe.yaml")
	if res.Counts.Acked < 30000 {
		t.Errorf("want tens of thousands of acked records, got %d", res.Counts.Acked)
	}
	if len(res.Timeline) < 2 || res.Timeline[0].Action != reports.ActionInject || res.Timeline[0].Error != "" {
		t.Errorf("the kill must be on the timeline, injected without error: %+v", res.Timeline)
	}
}

func TestBrokerPartition(t *testing.T) {
	if rt := os.Getenv("CHAOSRUN_RUNTIME"); rt != runner.RuntimeDocker {
		t.Skipf("broker-partition needs the docker runtime (CHAOSRUN_RUNTIME=%q); the process runtime cannot cut a JVM off its peers", rt)
	}
	res := run(t, "broker-partition.yaml")
	if res.Counts.Acked < 20000 {
		t.Errorf("want tens of thousands of acked records, got %d", res.Counts.Acked)
	}
}

func TestNetworkJitter(t *testing.T) {
	res := run(t, "network-jitter.yaml")
	// Seconds under 100ms±50ms broker→client delay against the seconds
	// after it healed, in the same run: the median of the per-second p50
	// must rise by at least half the injected delay.
	inject, heal := res.Timeline[0].At, res.Timeline[1].At
	var during, after []float64
	for _, p := range res.AckSeries {
		switch {
		case p.At.After(inject.Add(2*time.Second)) && p.At.Before(heal.Add(-time.Second)):
			during = append(during, p.P50)
		case p.At.After(heal.Add(2 * time.Second)):
			after = append(after, p.P50)
		}
	}
	if len(during) < 10 || len(after) < 3 {
		t.Fatalf("too few seconds to compare: %d during, %d after", len(during), len(after))
	}
	d, a := median(during), median(after)
	t.Logf("median per-second p50 produce-ack: %.1fms under latency, %.1fms after heal", d, a)
	if d < a+50 {
		t.Errorf("injected latency not visible: %.1fms under the toxic vs %.1fms after", d, a)
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// Negative controls: configurations that really lose. The harness must catch
// them, under the right assertion.
func TestNegativeAutoCommitCrash(t *testing.T) {
	res := run(t, "negative/auto-commit-crash.yaml")
	if res.Counts.LostConsumer == 0 || verdict(t, res, "no-consumer-loss") {
		t.Errorf("consumer-level loss not detected: %+v", res.Counts)
	}
}

func TestNegativeLeaderKillAcks1(t *testing.T) {
	res := run(t, "negative/leader-kill-acks1.yaml")
	if res.Counts.LostKafka == 0 || verdict(t, res, "no-kafka-loss") {
		t.Errorf("Kafka-level loss of acked records not detected: %+v", res.Counts)
	}
}
