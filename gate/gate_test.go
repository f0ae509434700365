package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/spec"
)

const scenario = `name: %s
cluster:
  nodes: 1
  broker:
    num.io.threads: "4"
topic:
  partitions: 2
workload:
  rate: 100
  duration: 10s
`

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sc(name string) string { return strings.Replace(scenario, "%s", name, 1) }

func TestCollectExpandsFoldersAndSuites(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "s/b.yaml", sc("b"))
	write(t, dir, "s/a.yaml", sc("a"))
	write(t, dir, "s/deep/c.yaml", sc("c"))
	suite := write(t, dir, "ship.yaml", `suite: pre-release
scenarios: [s/deep/, s/a.yaml]
set:
  cluster.broker.num.io.threads: "16"
thresholds:
  - produce_ack.p99 < 500ms
`)
	cli, _ := spec.ParseOverride("consumer.config.max.poll.records=50", "--set")
	entries, err := Collect([]string{suite, filepath.Join(dir, "s")}, []spec.Override{cli})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Scenario.Name)
	}
	// The suite's c and a first, then the folder's b (a is not run twice).
	if strings.Join(names, ",") != "c,a,b" {
		t.Fatalf("entries %v", names)
	}
	c := entries[0].Scenario
	if len(c.Limits) != 1 || c.Limits[0].Text != "produce_ack.p99 < 500ms" || entries[0].Suite != suite || entries[0].SuiteLines["produce_ack.p99 < 500ms"] != 6 {
		t.Errorf("suite threshold: %+v", c.Limits)
	}
	if got := c.Cluster.Broker.Map()["num.io.threads"]; got != "16" {
		t.Errorf("the suite's set: num.io.threads = %s", got)
	}
	if len(c.Overrides) != 2 || c.Overrides[1].Source != "--set" {
		t.Errorf("overrides: %v", c.Overrides)
	}
	if b := entries[2].Scenario; len(b.Limits) != 0 || b.Cluster.Broker.Map()["num.io.threads"] != "4" || len(b.Overrides) != 1 {
		t.Errorf("outside the suite only the command line's overrides apply: %+v %v", b.Limits, b.Overrides)
	}
}

func TestCollectReportsAllBadInputTogether(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.yaml", sc("good"))
	bad := write(t, dir, "bad.yaml", strings.Replace(sc("bad"), "rate: 100", "rate: lots", 1))
	suite := write(t, dir, "suite.yaml", "suite: x\nscenarios: [good.yaml, missing.yaml]\ncolour: blue\nthresholds: [\"lag.max < 30\"]\n")
	_, err := Collect([]string{dir}, nil)
	if err == nil {
		t.Fatal("bad input collected")
	}
	msg := err.Error()
	for _, want := range []string{bad + ":9:", "workload.rate", suite + ":2:", "missing.yaml", suite + ":3:", "colour: unknown field", suite + ":4:", "lag.max is a duration"} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	if _, err := Collect([]string{t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "no scenario files") {
		t.Errorf("an empty folder: %v", err)
	}
}

func TestVerdict(t *testing.T) {
	met := &result.Result{ExpectationMet: true}
	unmet := &result.Result{}
	cases := []struct {
		runs    []Run
		planned int
		want    string
	}{
		{[]Run{{Result: met}, {Result: met}}, 2, Passed},
		{[]Run{{Result: met}, {Result: unmet}}, 2, Failed},
		{[]Run{{Result: unmet}, {Result: met, Err: os.ErrDeadlineExceeded}}, 2, Unfinished},
		{[]Run{{Result: met}}, 2, Unfinished},
		{[]Run{{Err: os.ErrNotExist}}, 1, Unfinished},
	}
	for i, c := range cases {
		if got := (&Outcome{Runs: c.runs}).Verdict(c.planned); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
}
