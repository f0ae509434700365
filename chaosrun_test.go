package chaosrun

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/chaosrun/chaosrun/spec"
)

// recorder is a testing.TB whose failures and skips are recorded instead
// of ending the test, so Run's own verdict on a run can be checked.
type recorder struct {
	*testing.T
	mu              sync.Mutex
	failed, skipped bool
	messages        []string
}

func (r *recorder) note(failed, skipped bool, format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = r.failed || failed
	r.skipped = r.skipped || skipped
	r.messages = append(r.messages, fmt.Sprintf(format, a...))
}
func (r *recorder) Errorf(format string, a ...any) { r.note(true, false, format, a...) }
func (r *recorder) Error(a ...any)                 { r.note(true, false, "%s", fmt.Sprint(a...)) }
func (r *recorder) Fatalf(format string, a ...any) {
	r.note(true, false, format, a...)
	runtime.Goexit()
}
func (r *recorder) Fatal(a ...any) { r.note(true, false, "%s", fmt.Sprint(a...)); runtime.Goexit() }
func (r *recorder) Skipf(format string, a ...any) {
	r.note(false, true, format, a...)
	runtime.Goexit()
}
func (r *recorder) Log(...any)          {}
func (r *recorder) Logf(string, ...any) {}

// run calls Run as a test would, in a goroutine a Fatal can end.
func (r *recorder) run(s *Scenario, opts ...Option) *Result {
	var res *Result
	done := make(chan struct{})
	go func() {
		defer close(done)
		res = Run(r, s, opts...)
	}()
	<-done
	return res
}

// tiny is a Go-built scenario small enough for kfake.
func tiny(t *testing.T, name string, expect spec.Expect, thresholds ...string) *Scenario {
	t.Helper()
	s, err := New(Scenario{Name: name, Cluster: spec.Cluster{Nodes: 1}, Topic: spec.Topic{Partitions: 2},
		Workload: spec.Workload{Rate: 50, Duration: 2 * time.Second, Producers: 1},
		Consumer: spec.Consumer{Instances: 1, Workers: 1}, Thresholds: thresholds, Expect: expect})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Run passes a run that meets its expectation, and fails one that does
// not with the broken verdict and its evidence: a threshold no run can meet.
func TestRunJudgesTheExpectation(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ok := &recorder{T: t}
	res := ok.run(tiny(t, "meets", spec.Expect{}), WithBootstrap(c.ListenAddrs()...))
	if ok.failed || res == nil || !res.ExpectationMet || res.Counts.Acked == 0 {
		t.Fatalf("a passing run failed the test: %v", ok.messages)
	}
	bad := &recorder{T: t}
	res = bad.run(tiny(t, "misses", spec.Expect{}, "produce_ack.p99 < 1us"), WithBootstrap(c.ListenAddrs()...))
	msg := strings.Join(bad.messages, "\n")
	if !bad.failed || res == nil || res.ExpectationMet || !strings.Contains(msg, "expectation not met") || !strings.Contains(msg, "produce_ack.p99") {
		t.Fatalf("a run that broke its threshold did not fail the test: %v", msg)
	}
}

// Without a usable runtime Run skips with the reason, and fails when CI is set.
func TestRunSkipsOrFailsWithoutRuntime(t *testing.T) {
	s := tiny(t, "nowhere", spec.Expect{})
	t.Setenv("PATH", t.TempDir()) // no java, no docker CLI
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
	t.Setenv("CI", "")
	r := &recorder{T: t}
	r.run(s, WithRuntime("process"))
	if !r.skipped || r.failed || !strings.Contains(strings.Join(r.messages, ""), "java") {
		t.Fatalf("without java: skipped %v failed %v: %v", r.skipped, r.failed, r.messages)
	}
	t.Setenv("CI", "true")
	r = &recorder{T: t}
	r.run(s, WithRuntime("process"))
	if r.skipped || !r.failed || !strings.Contains(strings.Join(r.messages, ""), "CI is set") {
		t.Fatalf("with CI set: skipped %v failed %v: %v", r.skipped, r.failed, r.messages)
	}
}

// A bad option or scenario stops the test, naming it.
func TestRunBadInput(t *testing.T) {
	r := &recorder{T: t}
	r.run(tiny(t, "x", spec.Expect{}), WithCluster("/nonexistent/cluster.yaml"))
	if !r.failed || !strings.Contains(strings.Join(r.messages, ""), "/nonexistent/cluster.yaml") {
		t.Fatalf("got %v", r.messages)
	}
	if _, err := New(Scenario{Name: "bad", Workload: spec.Workload{Rate: -1}}); err == nil || !strings.Contains(err.Error(), "workload.rate") {
		t.Fatalf("got %v", err)
	}
}

// $CHAOSRUN_RUNTIME picks the runtime of a cluster chaosrun starts; it does
// not get in the way of an external one.
func TestRuntimeFromEnvLeavesExternalAlone(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Setenv("CHAOSRUN_RUNTIME", "process")
	r := &recorder{T: t}
	res := r.run(tiny(t, "env", spec.Expect{}), WithBootstrap(c.ListenAddrs()...))
	if r.failed || res == nil || res.Runtime != "external" {
		t.Fatalf("got %v", r.messages)
	}
}
