package process

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/harness"
)

// fakeRuntime is a process runtime over fake jars: enough to plan and to
// check transitions without ever starting a JVM.
func fakeRuntime(t *testing.T) *Runtime {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("java not on PATH")
	}
	libs := t.TempDir()
	touch(t, filepath.Join(libs, "kafka_2.13-4.3.1.jar"))
	rt, err := New(Options{LibsDir: libs, RunOptions: harness.RunOptions{Root: t.TempDir(), RunID: "unit"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

func TestProcessRuntimePlanWritesConfig(t *testing.T) {
	rt := fakeRuntime(t)
	if rt.KafkaVersion() != "4.3.1" || rt.Name() != "process" {
		t.Errorf("version %q name %q", rt.KafkaVersion(), rt.Name())
	}
	specs := []harness.NodeSpec{
		{ID: 1, Controller: true, ClientAdvertised: "127.0.0.1:1", ClusterID: "c", ClusterSize: 2},
		{ID: 2, ClientAdvertised: "127.0.0.1:2", ClusterID: "c", ClusterSize: 2},
	}
	plans, err := rt.Plan(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 2 || plans[0].Upstream == plans[1].Upstream {
		t.Fatalf("plans = %+v", plans)
	}
	props, err := os.ReadFile(filepath.Join(rt.NodeDir(2), "server.properties"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(props), "process.roles=broker\n") {
		t.Errorf("node 2 properties:\n%s", props)
	}
	if _, err := rt.Plan(context.Background(), specs); err == nil {
		t.Error("second Plan succeeded")
	}
}

func TestProcessRuntimeRejectsBadSpecs(t *testing.T) {
	for name, specs := range map[string][]harness.NodeSpec{
		"none":          nil,
		"no controller": {{ID: 1, ClientAdvertised: "a", ClusterID: "c"}},
		"duplicate":     {{ID: 1, Controller: true, ClientAdvertised: "a", ClusterID: "c"}, {ID: 1, ClientAdvertised: "b", ClusterID: "c"}},
		"reserved":      {{ID: 1, Controller: true, ClientAdvertised: "a", ClusterID: "c", Overrides: map[string]string{"node.id": "7"}}},
	} {
		if _, err := fakeRuntime(t).Plan(context.Background(), specs); err == nil {
			t.Errorf("%s: Plan succeeded", name)
		}
	}
}

func TestProcessRuntimeInvalidTransitions(t *testing.T) {
	rt := fakeRuntime(t)
	ctx := context.Background()
	spec := harness.NodeSpec{ID: 1, Controller: true, ClientAdvertised: "127.0.0.1:1", ClusterID: "c", ClusterSize: 1}
	if _, err := rt.Plan(ctx, []harness.NodeSpec{spec}); err != nil {
		t.Fatal(err)
	}
	for verb, op := range map[string]func(context.Context, int32) error{
		"resume": rt.ResumeNode, "pause": rt.PauseNode, "stop": rt.StopNode, "kill": rt.KillNode,
	} {
		err := op(ctx, 1)
		if err == nil || !strings.Contains(err.Error(), verb+" node 1: node is planned") {
			t.Errorf("%s planned node: err = %v", verb, err)
		}
	}
	if err := rt.ResumeNode(ctx, 5); err == nil || !strings.Contains(err.Error(), "unknown node 5") {
		t.Errorf("unknown node: err = %v", err)
	}
	if st, err := rt.State(1); err != nil || st != harness.StatePlanned {
		t.Errorf("State = %s, %v", st, err)
	}
}

func TestProcessRuntimeCloseRemovesRunDir(t *testing.T) {
	rt := fakeRuntime(t)
	dir := rt.RunDir()
	if _, err := os.Stat(filepath.Join(dir, harness.LockName)); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("run dir left: %v", err)
	}
	if err := rt.StartNode(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("start after close: err = %v", err)
	}
}

func TestNewRejectsTakenRunID(t *testing.T) {
	rt := fakeRuntime(t)
	_, err := New(Options{LibsDir: rt.opts.LibsDir, RunOptions: harness.RunOptions{Root: rt.opts.Root, RunID: "unit"}})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("err = %v", err)
	}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWritePropertiesEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.properties")
	err := writeProperties(path, map[string]string{"b": `C:\x`, "a:b": " lead", "m": "x\ny"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "a\\:b=\\ lead\nb=C:\\\\x\nm=x\\ny\n"
	if string(got) != want {
		t.Errorf("file = %q, want %q", got, want)
	}
}
