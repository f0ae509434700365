// Package procs finds the processes a run marked on their command line
// (its JVMs, a database server it started) through /proc, and kills them: how a
// later run cleans up after one that died. Linux only.
package procs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Markers are how one kind of process carries a run's id (to find a dead
// run's processes) and its run dir (whether that run still exists) on its
// command line. Each kind that starts processes cleans its own.
type Markers struct{ Run, Dir string }

// The JVMs' markers are system properties; a database server's are its own
// (package pgserver's are custom settings).
const (
	JVMRun = "-Dchaosrun.run="
	JVMDir = "-Dchaosrun.dir="
)

// JVM are the markers of a run's JVMs (its brokers, the Java workload).
var JVM = Markers{Run: JVMRun, Dir: JVMDir}

// Marked is a process carrying the run marker on its command line.
type Marked struct {
	PID      int
	Run, Dir string
}

// Find scans /proc for processes with m's run marker that match keep.
func (m Markers) Find(keep func(Marked) bool) []Marked {
	entries, _ := os.ReadDir("/proc")
	var out []Marked
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		p, ok := m.Read(pid)
		if ok && !IsZombie(pid) && keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// Read returns pid's markers, if it carries m's.
func (m Markers) Read(pid int) (Marked, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return Marked{}, false
	}
	p := Marked{PID: pid}
	for _, arg := range bytes.Split(b, []byte{0}) {
		a := string(arg)
		switch {
		case strings.HasPrefix(a, m.Run):
			p.Run = strings.TrimPrefix(a, m.Run)
		case strings.HasPrefix(a, m.Dir):
			p.Dir = strings.TrimPrefix(a, m.Dir)
		}
	}
	return p, p.Run != ""
}

// State returns the state letter from /proc/<pid>/stat, "" if gone.
func State(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return ""
	}
	return string(b[i+2])
}

func IsZombie(pid int) bool { return State(pid) == "Z" }

// Kill SIGKILLs each process (SIGCONT first: it may be stopped) and
// waits until each is gone or a zombie.
func Kill(procs []Marked) error {
	for _, p := range procs {
		syscall.Kill(p.PID, syscall.SIGCONT)
		syscall.Kill(p.PID, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range procs {
		for s := State(p.PID); s != "" && s != "Z"; s = State(p.PID) {
			if time.Now().After(deadline) {
				return fmt.Errorf("pid %d (run %s) still alive after SIGKILL", p.PID, p.Run)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// KillOrphans kills m's processes whose run dir (dirOf tells it) is gone,
// logs each, and describes them as "pid N (run ID)".
func (m Markers) KillOrphans(dirOf func(Marked) string, logf func(string, ...any)) ([]string, error) {
	found := m.Find(func(p Marked) bool {
		_, err := os.Stat(dirOf(p))
		return errors.Is(err, os.ErrNotExist)
	})
	err := Kill(found)
	return Describe(logf, found), err
}

// Describe logs and describes killed processes as "pid N (run ID)".
func Describe(logf func(string, ...any), killed []Marked) []string {
	var out []string
	for _, p := range killed {
		d := fmt.Sprintf("pid %d (run %s)", p.PID, p.Run)
		logf("killed leftover process %s", d)
		out = append(out, d)
	}
	return out
}
