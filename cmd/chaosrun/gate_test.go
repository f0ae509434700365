package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/result"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Bad input stops a gate before anything runs, with every problem named.
func TestGateBadInputExitsTwoBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile("../../scenarios/baseline.yaml")
	os.WriteFile(filepath.Join(dir, "a.yaml"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("name: b\nworkload:\n  rate: lots\n"), 0o644)
	code, stderr := capture(t, "gate", "--out", filepath.Join(dir, "out"), dir)
	if code != exitBadInput || !strings.Contains(stderr, "b.yaml:3:") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("a gate with bad input ran something")
	}
	for _, args := range [][]string{
		{"gate", "--set", "broker.num.io.threads=4", filepath.Join(dir, "a.yaml")},
		{"gate", "--set", "workload.producer.acks=most", filepath.Join(dir, "a.yaml")},
		{"gate", "--config", filepath.Join(dir, "none.properties"), filepath.Join(dir, "a.yaml")},
		{"gate", "--runtime", "kubernetes", filepath.Join(dir, "a.yaml")},
		{"gate", t.TempDir()},
		{"gate"},
	} {
		if code, stderr := capture(t, args...); code != exitBadInput {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitBadInput, stderr)
		}
	}
}

func storedResult(t *testing.T, dir, name string, met bool, harnessErr string) string {
	t.Helper()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := &result.Result{Schema: result.Schema, Scenario: name, File: "scenarios/" + name + ".yaml", RunID: "r1", Seed: 7,
		Runtime: "process", KafkaVersion: "4.3.1", StartedAt: start, EndedAt: start.Add(40 * time.Second), Error: harnessErr,
		Assertions: []assertions.Verdict{{Name: "no-kafka-loss", Enforced: true, Passed: met, Summary: "x acked records missing", Details: []string{"partition 0: 3 lost"}}}}
	r.Judge()
	p := filepath.Join(dir, name, "result.json")
	if err := reports.WriteAll(filepath.Dir(p), r); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReportRerendersAndExitsByTheResults(t *testing.T) {
	dir := t.TempDir()
	ok := storedResult(t, dir, "fine", true, "")
	bad := storedResult(t, dir, "lossy", false, "")
	broken := storedResult(t, dir, "broken", true, "cluster: broker 1 did not start")
	junit := filepath.Join(dir, "junit.xml")
	md := filepath.Join(dir, "gate.md")
	if code, stderr := capture(t, "report", "-q", ok); code != exitOK {
		t.Errorf("a met result: exit %d: %s", code, stderr)
	}
	if code, _ := capture(t, "report", "-q", "--junit", junit, "--markdown", md, ok, bad); code != exitUnmet {
		t.Errorf("an unmet result: exit %d, want %d", code, exitUnmet)
	}
	data, _ := os.ReadFile(junit)
	var doc struct {
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil || len(doc.Suites) != 2 || doc.Failures != 2 {
		t.Errorf("junit: %v %+v\n%s", err, doc, data)
	}
	if data, _ := os.ReadFile(md); !bytes.Contains(data, []byte("### lossy: expectation not met")) {
		t.Errorf("markdown:\n%s", data)
	}
	if code, _ := capture(t, "report", "-q", ok, broken); code != exitHarnessError {
		t.Errorf("an errored run's result: exit %d, want %d", code, exitHarnessError)
	}
	if code, stderr := capture(t, "report", ok, filepath.Join(filepath.Dir(ok), "result.json")); code != exitBadInput || !strings.Contains(stderr, "one folder") {
		t.Errorf("two results in one folder: exit %d: %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "other.json"), []byte(`{"hello": 1}`), 0o644)
	if code, _ := capture(t, "report", filepath.Join(dir, "other.json")); code != exitBadInput {
		t.Errorf("not a result: exit %d, want %d", code, exitBadInput)
	}
}

// On GitHub, failing verdicts become annotations and the Markdown goes to
// the step summary.
func TestReportOnGitHub(t *testing.T) {
	dir := t.TempDir()
	bad := storedResult(t, dir, "lossy", false, "")
	summary := filepath.Join(dir, "step-summary.md")
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	r, w, _ := os.Pipe()
	old := os.Stdout
	os.Stdout = w
	code := run([]string{"report", "-q", bad})
	w.Close()
	os.Stdout = old
	var out bytes.Buffer
	out.ReadFrom(r)
	if code != exitUnmet || !strings.Contains(out.String(), "::error file=scenarios/lossy.yaml,title=chaosrun lossy::no-kafka-loss: x acked records missing (failed)") {
		t.Errorf("exit %d, stdout:\n%s", code, out.String())
	}
	if data, _ := os.ReadFile(summary); !bytes.Contains(data, []byte("chaosrun gate: FAILED")) {
		t.Errorf("step summary:\n%s", data)
	}
}

// A gate runs every scenario on an external cluster given by --bootstrap,
// says so in JUnit, and leaves nothing on it; a broker fault without hooks
// is bad input before anything runs.
func TestGateOnExternalCluster(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	tiny := "cluster: {nodes: 1}\ntopic: {partitions: 2}\nworkload: {rate: 50, duration: 2s, producers: 1}\n" +
		"consumer: {instances: 1, workers: 1}\nassertions: {recover_within: 10s}\n"
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("name: a\n"+tiny), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("name: b\n"+tiny), 0o644)
	junit := filepath.Join(dir, "junit.xml")
	code, stderr := capture(t, "gate", "-q", "--bootstrap", c.ListenAddrs()[0], "--out", filepath.Join(dir, "out"), "--junit", junit, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	x, _ := os.ReadFile(junit)
	if n := strings.Count(string(x), `name="external_cluster" value="`+c.ListenAddrs()[0]+` (PLAINTEXT)"`); n != 2 {
		t.Errorf("external_cluster property %d times in:\n%s", n, x)
	}
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	topics, _ := kadm.NewClient(cl).ListTopics(context.Background())
	if len(topics.Names()) > 0 {
		t.Errorf("left on the cluster: %v", topics.Names())
	}
	os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("name: c\n"+tiny+"faults: [{type: broker-kill, at: 1s, duration: 1s, target: {node: 1}}]\n"), 0o644)
	if code, stderr := capture(t, "gate", "--bootstrap", c.ListenAddrs()[0], "--out", filepath.Join(dir, "out2"), dir); code != exitBadInput || !strings.Contains(stderr, "c.yaml:") || !strings.Contains(stderr, "hooks.kill and hooks.start") {
		t.Errorf("a broker fault without hooks: exit %d: %s", code, stderr)
	}
}
