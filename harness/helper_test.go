package harness

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/internal/procs"
)

// helperEnv selects what TestHelperProcess does when the test binary is
// re-executed as a child: "sleep" idles with run markers on its command
// line (package runtimetest's helper starts whole clusters).
const helperEnv = "CHAOSRUN_HARNESS_HELPER"

func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("helper for other tests")
	case "sleep":
		time.Sleep(5 * time.Minute)
	}
	os.Exit(0)
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
