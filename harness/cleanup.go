package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chaosrun/chaosrun/internal/procs"
)

// Command-line markers on every JVM a run starts: the run id finds a dead
// run's JVMs, the run dir tells whether that run still exists.
const (
	markerRun = procs.JVMRun
	markerDir = procs.JVMDir
)

// Layout under the root: run-<id>/ with a lock file the live run holds.
const (
	runDirPrefix = "run-"
	tmpDirPrefix = ".tmp-run-"
	LockName     = "lock"
)

// DefaultRoot is where runs keep their files unless told otherwise: one
// root per user, so a name another user (or anything else) left in the
// temp dir cannot break or collide with this user's runs.
func DefaultRoot() string {
	return filepath.Join(os.TempDir(), "chaosrun-"+strconv.Itoa(os.Getuid()))
}

// rootMode lets others pass through to a run's PostgreSQL data (run as
// another user under root) but not list or create anything.
const rootMode = 0o711

// ensureRoot creates root if missing and refuses one that is not this
// user's own: the default root has a predictable name, and a planted dir
// or symlink there must not receive this user's runs.
func ensureRoot(root string) error {
	if err := os.MkdirAll(root, rootMode); err != nil {
		return fmt.Errorf("create root: %w", err)
	}
	return checkRoot(root)
}

// checkRoot says why root cannot hold this user's runs, if it cannot.
func checkRoot(root string) error {
	st, err := os.Lstat(root)
	if err != nil {
		return fmt.Errorf("root %s: %w", root, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("root %s is not a directory (%s): remove it, it is not chaosrun's", root, st.Mode().Type())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("root %s belongs to uid %d, not to this user (uid %d): remove it, it is not this user's", root, sys.Uid, os.Getuid())
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("root %s is writable by others (mode %s): chmod go-w it or remove it", root, st.Mode().Perm())
	}
	return nil
}

// CleanLeftovers removes what dead runs left under root (empty means
// DefaultRoot): a run dir whose lock nobody holds belongs to a dead run, so
// its marked JVMs are killed and the dir removed. Marked JVMs whose run dir
// is gone are killed too, whatever their root. What runtimes leave elsewhere
// (containers...) and the database servers of sink kinds are theirs to
// clean: package runtimes cleans all of them. It returns the processes killed ("pid N (run ID)") and the dirs
// removed.
func CleanLeftovers(root string, logf func(string, ...any)) (removed []string, err error) {
	logf = OrNop(logf)
	if root == "" {
		root = DefaultRoot()
	}
	entries, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("clean %s: %w", root, err)
	}
	if err == nil {
		if err := checkRoot(root); err != nil {
			return nil, fmt.Errorf("clean: %w", err)
		}
	}
	var errs []error
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		killed, done, err := cleanRunDir(dir, e)
		errs = append(errs, err)
		removed = append(removed, procs.Describe(logf, killed)...)
		if done {
			logf("removed leftover run dir %s", dir)
			removed = append(removed, dir)
		}
	}
	killed, err := procs.JVM.KillOrphans(orphanDir(root), logf)
	removed = append(removed, killed...)
	return removed, errors.Join(append(errs, err)...)
}

// Cleaner removes what dead runs left, as CleanLeftovers does; Open runs
// one before a run starts.
type Cleaner func(root string, logf func(string, ...any)) ([]string, error)

// cleanRunDir kills the processes of dir's run and removes dir if it is a
// run dir of a dead run.
func cleanRunDir(dir string, e os.DirEntry) (killed []procs.Marked, removed bool, err error) {
	name := e.Name()
	isRun, isTmp := strings.HasPrefix(name, runDirPrefix), strings.HasPrefix(name, tmpDirPrefix)
	if !e.IsDir() || !isRun && !isTmp {
		return nil, false, nil
	}
	if isTmp && !olderThan(dir, time.Minute) {
		return nil, false, nil // a run may be between mkdir and lock
	}
	lock, ok, err := TryLock(filepath.Join(dir, LockName))
	if err != nil || !ok {
		return nil, false, err
	}
	defer lock.Close()
	if isRun {
		id := strings.TrimPrefix(name, runDirPrefix)
		killed = procs.JVM.Find(func(p procs.Marked) bool { return p.Run == id })
		if err := procs.Kill(killed); err != nil {
			return killed, false, fmt.Errorf("clean %s: %w", dir, err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return killed, false, fmt.Errorf("clean %s: %w", dir, err)
	}
	return killed, true, nil
}

// orphanDir is where a marked process's run dir is, to tell whether it
// is gone: its marker, else its run id's dir under root.
func orphanDir(root string) func(procs.Marked) string {
	return func(p procs.Marked) string {
		if p.Dir == "" {
			return filepath.Join(root, runDirPrefix+p.Run)
		}
		return p.Dir
	}
}

func olderThan(path string, d time.Duration) bool {
	st, err := os.Stat(path)
	return err == nil && time.Since(st.ModTime()) > d
}

// Markers are the command-line markers a run's JVMs carry (the harness's and
// the Java workload's), so a later run finds and kills them if this run dies.
func Markers(runID, runDir string) []string {
	return []string{markerRun + runID, markerDir + runDir}
}
