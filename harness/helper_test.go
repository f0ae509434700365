package harness

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
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
