package runtimetest

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/harness/docker"
	"github.com/chaosrun/chaosrun/harness/process"
)

// itRuntime is a runtime the integration tests run their checks on.
type itRuntime interface {
	name() string
	// unready says why the runtime cannot run here, "" when it can.
	unready(t *testing.T) string
	// required makes an unready runtime fail the test instead of skipping it.
	required() bool
	open(ctx context.Context, o itOptions) (itRun, error)
	// helper is a child that starts a cluster of this runtime under root,
	// prints "READY <run id> <run dir>" and waits to be killed.
	helper(root string) *exec.Cmd
	// left lists what of run id still lives, named as CleanLeftovers names
	// what it removes.
	left(t *testing.T, id string) []string
	// remove removes whatever a failed test left of run id.
	remove(t *testing.T, id string)
}

// itOptions are the runtime options the tests vary.
type itOptions struct {
	root     string
	javaOpts []string
	logf     func(string, ...any)
}

// itRun is what the tests need of a runtime they opened.
type itRun interface {
	harness.Runtime
	RunID() string
	RunDir() string
}

// itRuntimes are every runtime, in the order the tests run them.
func itRuntimes() []itRuntime { return []itRuntime{&processIT{}, &dockerIT{}} }

// forEachRuntime runs f as a subtest per runtime; an unready runtime is
// skipped with its reason, or fails when required. Under -short nothing
// runs: no JVM starts and no docker daemon is asked anything.
func forEachRuntime(t *testing.T, f func(t *testing.T, it itRuntime)) {
	if testing.Short() {
		t.Skip("starts real Kafka clusters; skipped with -short")
	}
	for _, it := range itRuntimes() {
		t.Run(it.name(), func(t *testing.T) {
			why := it.unready(t)
			switch {
			case why != "" && it.required():
				t.Fatalf("the %s runtime is required here but cannot run: %s", it.name(), why)
			case why != "":
				t.Skipf("the %s runtime cannot run here: %s", it.name(), why)
			}
			f(t, it)
		})
	}
}

// processIT runs Kafka as local JVMs from the Maven-resolved jars.
type processIT struct{ libs string }

func (*processIT) name() string   { return "process" }
func (*processIT) required() bool { return false }

func (p *processIT) unready(t *testing.T) string {
	if _, err := exec.LookPath("java"); err != nil {
		return "java not on PATH: install a Java 17+ runtime to run Kafka"
	}
	if _, err := exec.LookPath("mvn"); err != nil && os.Getenv("KAFKA_HOME") == "" {
		return "neither mvn on PATH nor KAFKA_HOME set: no way to get the Kafka jars"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	libs, err := harness.KafkaLibs(ctx, harness.DefaultKafkaVersion, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	p.libs = libs
	return ""
}

func (p *processIT) open(_ context.Context, o itOptions) (itRun, error) {
	rt, err := process.New(process.Options{LibsDir: p.libs, RunOptions: harness.RunOptions{Root: o.root, JavaOpts: o.javaOpts, Logf: o.logf}})
	if err != nil {
		return nil, err // not a nil *process.Runtime in a non-nil itRun
	}
	return rt, nil
}

func (p *processIT) helper(root string) *exec.Cmd {
	return helperCmd("cluster", []string{"CHAOSRUN_HELPER_LIBS=" + p.libs, "CHAOSRUN_HELPER_ROOT=" + root})
}

func (*processIT) left(_ *testing.T, id string) []string {
	var out []string
	for _, p := range runProcs(id) {
		out = append(out, fmt.Sprintf("pid %d (run %s)", p.PID, p.Run))
	}
	return out
}

func (*processIT) remove(t *testing.T, id string) { killRun(t, id) }

// offlineImage is kafkaimage.Name(""), which harness cannot import.
const offlineImage = "chaosrun/kafka:" + harness.DefaultKafkaVersion

// dockerIT runs Kafka in containers from CHAOSRUN_IMAGE, default the
// offline image. CHAOSRUN_DOCKER=required makes it required.
type dockerIT struct{ image string }

func (*dockerIT) name() string   { return "docker" }
func (*dockerIT) required() bool { return os.Getenv("CHAOSRUN_DOCKER") == "required" }

func (d *dockerIT) unready(*testing.T) string {
	d.image = cmp.Or(os.Getenv("CHAOSRUN_IMAGE"), offlineImage)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if ok, why := docker.Available(ctx, d.image); !ok {
		return fmt.Sprintf("%s (the tests run $CHAOSRUN_IMAGE, default %s)", why, offlineImage)
	}
	return ""
}

func (d *dockerIT) open(ctx context.Context, o itOptions) (itRun, error) {
	rt, err := docker.New(ctx, docker.Options{Image: d.image, RunOptions: harness.RunOptions{Root: o.root, JavaOpts: o.javaOpts, Logf: o.logf}})
	if err != nil {
		return nil, err
	}
	return rt, nil
}

func (d *dockerIT) helper(root string) *exec.Cmd {
	return helperCmd("dockercluster", []string{"CHAOSRUN_HELPER_IMAGE=" + d.image, "CHAOSRUN_HELPER_ROOT=" + root})
}

func (*dockerIT) left(t *testing.T, id string) []string { return dockerRunResources(t, id) }
func (*dockerIT) remove(t *testing.T, id string)        { removeDockerRun(t, id) }
