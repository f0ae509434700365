package process

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/internal/lines"
	"github.com/chaosrun/chaosrun/internal/procs"
	"github.com/chaosrun/chaosrun/internal/spawn"
)

// procNode is one node's JVM and its lifecycle state machine.
type procNode struct {
	id        int32
	dir       string
	clusterID string
	features  map[string]int
	props     map[string]string
	logf      func(string, ...any)

	harness.Lifecycle // its mutex guards the fields below too
	formatted         bool
	cmd               *exec.Cmd
	done              chan struct{} // closed when cmd has been reaped
}

func (n *procNode) path(name string) string { return filepath.Join(n.dir, name) }

// start formats storage once, then launches the broker JVM.
func (n *procNode) start(ctx context.Context, r *Runtime) error {
	n.Lock()
	from, formatted := n.State(), n.formatted
	err := n.Transition(harness.StateStarting, harness.StatePlanned, harness.StateStopped, harness.StateExited)
	n.Unlock()
	if err != nil {
		return err
	}
	if !formatted {
		if err := n.format(ctx, r); err != nil {
			n.Set(from)
			return err
		}
	}
	n.Lock()
	defer n.Unlock()
	n.formatted = true
	if n.Closed() {
		return harness.ErrClosed
	}
	if err := n.launch(r); err != nil {
		n.Put(from)
		return err
	}
	n.Started()
	return nil
}

// format runs kafka.tools.StorageTool for this node's data dir.
func (n *procNode) format(ctx context.Context, r *Runtime) error {
	ctx, cancel := r.Bound(ctx) // Close aborts a format in flight
	defer cancel()
	args := slices.Concat(harness.ToolJavaOpts, r.jvmMarkers(n), []string{
		"kafka.tools.StorageTool", "format",
		"--cluster-id=" + n.clusterID, "--config=" + n.path("server.properties"),
	})
	names := make([]string, 0, len(n.features))
	for name := range n.features {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		args = append(args, "--feature", fmt.Sprintf("%s=%d", name, n.features[name]))
	}
	cmd := exec.CommandContext(ctx, "java", args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = r.sysProcAttr()
	if err := spawn.Start(cmd); err != nil {
		return fmt.Errorf("format storage: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("format storage: %w\n%s", err, head(out.String(), 15)) // the cause leads a stack trace
	}
	return nil
}

// jvmMarkers are the log4j config, run markers and classpath, shared by
// every JVM of the run.
func (r *Runtime) jvmMarkers(n *procNode) []string {
	return slices.Concat(
		[]string{"-Dlog4j2.configurationFile=" + n.path("log4j2.properties")},
		harness.Markers(r.RunID(), r.RunDir()),
		[]string{"-cp", filepath.Join(r.opts.LibsDir, "*")},
	)
}

// sysProcAttr puts each JVM in its own process group and, unless a test
// asks otherwise, kills it when this process dies.
func (r *Runtime) sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if r.opts.KeepJVMs {
		a.Pdeathsig = 0
	}
	return a
}

// launch starts the broker JVM and a reaper; n is locked.
func (n *procNode) launch(r *Runtime) error {
	out, err := os.OpenFile(n.path("stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close() // the child keeps its own copy
	args := slices.Concat(r.opts.JavaOpts, r.jvmMarkers(n), []string{"kafka.Kafka", n.path("server.properties")})
	cmd := exec.Command("java", args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = r.sysProcAttr()
	if err := spawn.Start(cmd); err != nil {
		return fmt.Errorf("launch java: %w", err)
	}
	n.cmd, n.done = cmd, make(chan struct{})
	go n.reap(cmd, n.done)
	return nil
}

// reap waits for the JVM so it never lingers as a zombie, and marks an
// exit nobody asked for.
func (n *procNode) reap(cmd *exec.Cmd, done chan struct{}) {
	err := cmd.Wait()
	n.Lock()
	defer n.Unlock()
	close(done)
	n.Ended(n.id, err, n.logf)
}

// stop ends a running or paused JVM: SIGKILL when kill is set, else
// SIGTERM with SIGKILL after timeout or when ctx ends.
func (n *procNode) stop(ctx context.Context, kill bool, timeout time.Duration) error {
	n.Lock()
	wasPaused := n.State() == harness.StatePaused
	if err := n.Transition(harness.StateStopping, harness.StateRunning, harness.StatePaused); err != nil {
		n.Unlock()
		return err
	}
	proc, done := n.cmd.Process, n.done
	n.Unlock()
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	proc.Signal(sig)
	if wasPaused {
		proc.Signal(syscall.SIGCONT) // a stopped JVM handles SIGTERM only once continued
	}
	err := waitExit(ctx, proc, done, timeout, kill)
	n.Set(harness.StateStopped)
	return err
}

// waitExit waits for done, escalating to SIGKILL after timeout (unless
// already killed) or when ctx ends.
func waitExit(ctx context.Context, proc *os.Process, done chan struct{}, timeout time.Duration, killed bool) error {
	var ctxErr error
	if !killed {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		select {
		case <-done:
			return nil
		case <-timer.C:
		case <-ctx.Done():
			ctxErr = ctx.Err()
		}
		proc.Signal(syscall.SIGKILL)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("pid %d still alive 30s after SIGKILL", proc.Pid)
	}
	if ctxErr != nil {
		return fmt.Errorf("killed after %w", ctxErr)
	}
	return nil
}

// pause freezes the JVM and waits until the kernel shows it stopped.
func (n *procNode) pause(ctx context.Context) error {
	n.Lock()
	if err := n.Transition(harness.StatePaused, harness.StateRunning); err != nil {
		n.Unlock()
		return err
	}
	proc := n.cmd.Process
	err := proc.Signal(syscall.SIGSTOP)
	n.Unlock()
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; {
		if s := procs.State(proc.Pid); s == "T" || s == "" || s == "Z" {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// resume thaws a paused JVM.
func (n *procNode) resume() error {
	n.Lock()
	defer n.Unlock()
	if err := n.Transition(harness.StateRunning, harness.StatePaused); err != nil {
		return err
	}
	return n.cmd.Process.Signal(syscall.SIGCONT)
}

// shutdown kills the JVM for Close and bars later starts.
func (n *procNode) shutdown(ctx context.Context) error {
	n.Lock()
	n.Close(false)
	if n.cmd == nil || isClosed(n.done) {
		n.Unlock()
		return nil
	}
	proc, done := n.cmd.Process, n.done
	n.Put(harness.StateStopping)
	n.Unlock()
	proc.Signal(syscall.SIGCONT)
	proc.Signal(syscall.SIGKILL)
	if err := waitExit(ctx, proc, done, 0, true); err != nil {
		return fmt.Errorf("node %d: %w", n.id, err)
	}
	n.Set(harness.StateStopped)
	return nil
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// fileTail returns the last n lines of a file, reading at most its last
// 64 KiB.
func fileTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		f.Seek(st.Size()-window, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil || len(strings.TrimSpace(string(b))) == 0 {
		return ""
	}
	return lines.Tail(string(b), n)
}

// head returns the first n lines of s.
func head(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

func joinLines(parts []string) string { return strings.Join(parts, "\n") }
