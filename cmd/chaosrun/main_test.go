package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// capture runs the CLI and returns its exit code and stderr.
func capture(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, _ := os.Pipe()
	old := os.Stderr
	os.Stderr = w
	code := run(args)
	w.Close()
	os.Stderr = old
	out, _ := io.ReadAll(r)
	return code, string(out)
}

func TestMalformedScenarioExitsTwoWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.yaml")
	os.WriteFile(file, []byte("name: bad\nworkload:\n  duration: 5 minutes\n  colour: blue\n"), 0o644)
	for _, cmd := range []string{"run", "validate"} {
		code, stderr := capture(t, cmd, file)
		if code != exitBadInput {
			t.Errorf("%s: exit %d, want %d", cmd, code, exitBadInput)
		}
		if !strings.Contains(stderr, file+":3:") || !strings.Contains(stderr, "workload.duration") ||
			!strings.Contains(stderr, file+":4:") || !strings.Contains(stderr, "workload.colour") {
			t.Errorf("%s: stderr does not point at file:line and field:\n%s", cmd, stderr)
		}
	}
}

func TestBadFlagsAndArgumentsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"run"},
		{"run", "--bogus", "x.yaml"},
		{"frobnicate"},
		{"run", "--runtime", "kubernetes", "../../scenarios/baseline.yaml"},
		{"run", "no/such/file.yaml"},
	} {
		if code, _ := capture(t, args...); code != exitBadInput {
			t.Errorf("%v: exit %d, want %d", args, code, exitBadInput)
		}
	}
}

func TestListAndValidateShippedScenarios(t *testing.T) {
	if code, stderr := capture(t, "list", "--dir", "../../scenarios"); code != exitOK {
		t.Errorf("list: exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	neg, _ := filepath.Glob("../../scenarios/negative/*.yaml")
	if code, stderr := capture(t, append([]string{"validate"}, append(files, neg...)...)...); code != exitOK || len(files) < 3 {
		t.Errorf("validate: exit %d (%d files): %s", code, len(files), stderr)
	}
}
