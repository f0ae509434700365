// Package procs finds the processes a run marked on their command line
// (its JVMs, its PostgreSQL server) through /proc, and kills them: how a
// later run cleans up after one that died. Linux only.
package procs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The markers: a run's id finds a dead run's processes, its run dir tells
// whether that run still exists. JVMs take them as system properties,
// PostgreSQL as custom settings (-c chaosrun.run=<id>).
const (
	JVMRun     = "-Dchaosrun.run="
	JVMDir     = "-Dchaosrun.dir="
	SettingRun = "chaosrun.run="
	SettingDir = "chaosrun.dir="
)

// Marked is a process carrying the run marker on its command line.
type Marked struct {
	PID      int
	Run, Dir string
}

// Find scans /proc for processes with a run marker that match keep.
func Find(keep func(Marked) bool) []Marked {
	entries, _ := os.ReadDir("/proc")
	var out []Marked
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		p, ok := Read(pid)
		if ok && !IsZombie(pid) && keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// Read returns pid's markers, if it carries any.
func Read(pid int) (Marked, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return Marked{}, false
	}
	p := Marked{PID: pid}
	for _, arg := range bytes.Split(b, []byte{0}) {
		a := string(arg)
		switch {
		case strings.HasPrefix(a, JVMRun):
			p.Run = strings.TrimPrefix(a, JVMRun)
		case strings.HasPrefix(a, JVMDir):
			p.Dir = strings.TrimPrefix(a, JVMDir)
		case strings.HasPrefix(a, SettingRun):
			p.Run = strings.TrimPrefix(a, SettingRun)
		case strings.HasPrefix(a, SettingDir):
			p.Dir = strings.TrimPrefix(a, SettingDir)
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
