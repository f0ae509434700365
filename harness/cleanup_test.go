package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/internal/procs"
)

func TestCleanLeftoversKillsDeadRunAndOrphans(t *testing.T) {
	root := t.TempDir()
	dead := filepath.Join(root, runDirPrefix+"dead")
	if err := os.MkdirAll(dead, 0o755); err != nil {
		t.Fatal(err)
	}
	live, lock, err := CreateRunDir(root, "live")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()

	inDead := startMarked(t, "dead", dead)
	inLive := startMarked(t, "live", live)
	orphan := startMarked(t, "gone", filepath.Join(t.TempDir(), "run-gone"))

	removed, err := CleanLeftovers(root, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{dead, fmt.Sprintf("pid %d (run dead)", inDead.pid), fmt.Sprintf("pid %d (run gone)", orphan.pid)} {
		if !slices.Contains(removed, want) {
			t.Errorf("removed %v, want %q among them", removed, want)
		}
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("dead run dir still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live run dir touched: %v", err)
	}
	for name, c := range map[string]*markedChild{"dead run": inDead, "orphan": orphan} {
		if !c.exited() {
			t.Errorf("%s process %d still alive", name, c.pid)
		}
	}
	if inLive.exited() {
		t.Error("live run's process was killed")
	}
}

func TestCleanLeftoversSkipsFreshTempDirs(t *testing.T) {
	root := t.TempDir()
	tmp := filepath.Join(root, tmpDirPrefix+"x-1")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := CleanLeftovers(root, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("fresh temp dir removed: %v", err)
	}
}

func TestCleanLeftoversMissingRoot(t *testing.T) {
	if _, err := CleanLeftovers(filepath.Join(t.TempDir(), "nope"), nil); err != nil {
		t.Fatal(err)
	}
}

func TestReadMarker(t *testing.T) {
	c := startMarked(t, "abc", "/some/dir")
	p, ok := procs.JVM.Read(c.pid)
	if !ok || p.Run != "abc" || p.Dir != "/some/dir" {
		t.Fatalf("readMarker = %+v, %v", p, ok)
	}
	if _, ok := procs.JVM.Read(os.Getpid()); ok {
		t.Error("test process has no marker")
	}
}

// markedChild is a sleeping helper process carrying run markers.
type markedChild struct {
	pid  int
	done chan struct{}
}

// exited waits briefly for the child to be reaped: killed means a zombie
// until its reaper goroutine runs.
func (c *markedChild) exited() bool {
	select {
	case <-c.done:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

// startMarked starts a child whose command line carries the markers of run
// id with run dir dir; it is reaped here and killed at cleanup.
func startMarked(t *testing.T, id, dir string) *markedChild {
	t.Helper()
	cmd := helperCmd("sleep", nil, markerRun+id, markerDir+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &markedChild{pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-c.done })
	// Start returns once the child execs, but the kernel fills in its
	// command line a moment later: wait until the markers show.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if p, ok := procs.JVM.Read(c.pid); ok && p.Run == id {
			return c
		}
	}
	t.Fatalf("child %d never showed its markers", c.pid)
	return nil
}
