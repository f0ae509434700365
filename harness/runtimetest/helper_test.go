package runtimetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/harness/docker"
	"github.com/chaosrun/chaosrun/harness/process"

	"github.com/chaosrun/chaosrun/internal/procs"
)

// helperEnv selects what TestHelperProcess does when the test binary is
// re-executed as a child: "sleep" idles with run markers on its command
// line; "cluster" starts a cluster whose JVMs outlive the child;
// "dockercluster" starts one in containers, which outlive it too.
const helperEnv = "CHAOSRUN_HARNESS_HELPER"

func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("helper for other tests")
	case "sleep":
		time.Sleep(5 * time.Minute)
	case "cluster":
		helperCluster()
	case "dockercluster":
		helperDockerCluster()
	}
	os.Exit(0)
}

// helperCluster starts a cluster, reports it and waits to be killed.
func helperCluster() {
	rt, err := process.New(process.Options{
		LibsDir: os.Getenv("CHAOSRUN_HELPER_LIBS"), RunOptions: harness.RunOptions{Root: os.Getenv("CHAOSRUN_HELPER_ROOT")},
		KeepJVMs: true,
	})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	if _, err := harness.Start(context.Background(), rt, harness.Config{}); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("READY", rt.RunID(), rt.RunDir())
	time.Sleep(10 * time.Minute)
}

// helperDockerCluster starts a docker cluster, reports it and waits to be
// killed: its containers and networks stay behind.
func helperDockerCluster() {
	ctx := context.Background()
	rt, err := docker.New(ctx, docker.Options{
		Image: os.Getenv("CHAOSRUN_HELPER_IMAGE"), RunOptions: harness.RunOptions{Root: os.Getenv("CHAOSRUN_HELPER_ROOT")},
	})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	if _, err := harness.Start(ctx, rt, harness.Config{}); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("READY", rt.RunID(), rt.RunDir())
	time.Sleep(10 * time.Minute)
}

// helperCmd re-executes the test binary in helper mode; extra args land on
// its command line after "--".
func helperCmd(mode string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], slices.Concat([]string{"-test.run=^TestHelperProcess$", "--"}, args)...)
	cmd.Env = slices.Concat(os.Environ(), []string{helperEnv + "=" + mode}, env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// runProcs lists live processes carrying run id's marker.
func runProcs(id string) []procs.Marked {
	return procs.JVM.Find(func(p procs.Marked) bool { return p.Run == id })
}

// killRun kills whatever a failed test left of run id.
func killRun(t *testing.T, id string) {
	t.Helper()
	if err := procs.Kill(runProcs(id)); err != nil {
		t.Logf("kill leftovers of run %s: %v", id, err)
	}
}
