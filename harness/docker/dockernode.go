package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/chaosrun/chaosrun/harness"

	"github.com/chaosrun/chaosrun/internal/lines"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// dockerNode is one node's container and its lifecycle state machine, with
// the same rules as procNode.
type dockerNode struct {
	id        int32
	name      string // container name
	hostPort  int    // CLIENT published on 127.0.0.1:hostPort
	clusterID string
	features  map[string]int
	props     map[string]string
	logf      func(string, ...any)

	harness.Lifecycle               // its mutex guards the fields below too
	containerID       string        // empty until first created
	gen               int           // counts starts, so a late watcher cannot mark a newer run
	done              chan struct{} // closed when the current run of the container ended
	isolated          bool
}

// markClosed bars later operations; Close removes the container.
func (n *dockerNode) markClosed() {
	n.Lock()
	defer n.Unlock()
	n.Close(true)
}

// start creates and starts the container the first time, later starts it
// again, then watches for its exit.
func (n *dockerNode) start(ctx context.Context, r *Runtime) error {
	n.Lock()
	from, cid := n.State(), n.containerID
	err := n.Transition(harness.StateStarting, harness.StatePlanned, harness.StateStopped, harness.StateExited)
	n.Unlock()
	if err != nil {
		return err
	}
	if cid == "" {
		cid, err = r.createContainer(ctx, n)
	} else {
		_, err = r.cli.ContainerStart(ctx, cid, client.ContainerStartOptions{})
	}
	n.Lock()
	defer n.Unlock()
	if err != nil {
		n.Put(from)
		return err
	}
	n.containerID = cid
	if n.Closed() {
		return harness.ErrClosed // Close removes the container
	}
	n.Started()
	n.gen++
	n.done = make(chan struct{})
	go n.watch(r, cid, n.gen, n.done)
	return nil
}

// createContainer creates and starts node n's container. A container that
// was created but failed to start is removed, so the next start creates it
// afresh with its files.
func (r *Runtime) createContainer(ctx context.Context, n *dockerNode) (string, error) {
	c, err := testcontainers.GenericContainer(ctx, r.containerRequest(n))
	if err == nil {
		return c.GetContainerID(), nil
	}
	if c != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		removeLeftover(rctx, r.cli, leftover{kind: "container", id: c.GetContainerID(), name: n.name})
	}
	return "", fmt.Errorf("create container %s from %s: %w", n.name, r.opts.Image, err)
}

// watch waits for the container's current run to end, closes done and
// marks an exit nobody asked for. A dropped wait is retried; Close ends it.
func (n *dockerNode) watch(r *Runtime, cid string, gen int, done chan struct{}) {
	defer close(done)
	for {
		res := r.cli.ContainerWait(r.Context(), cid, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
		select {
		case w := <-res.Result:
			n.exited(gen, fmt.Errorf("exit code %d", w.StatusCode))
			return
		case err := <-res.Error:
			if r.Context().Err() != nil {
				return
			}
			if cerrdefs.IsNotFound(err) {
				n.exited(gen, errors.New("container removed"))
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (n *dockerNode) exited(gen int, err error) {
	n.Lock()
	defer n.Unlock()
	if gen != n.gen {
		return
	}
	n.Ended(n.id, err, n.logf)
}

// stop ends a running or paused container: SIGKILL when kill is set, else
// SIGTERM with SIGKILL after StopTimeout or when ctx ends.
func (n *dockerNode) stop(ctx context.Context, r *Runtime, kill bool) error {
	n.Lock()
	wasPaused := n.State() == harness.StatePaused
	if err := n.Transition(harness.StateStopping, harness.StateRunning, harness.StatePaused); err != nil {
		n.Unlock()
		return err
	}
	cid, done := n.containerID, n.done
	n.Unlock()
	herr := r.halt(ctx, cid, wasPaused, kill)
	var err error
	if ctx.Err() != nil { // the caller gave up waiting: make sure it dies anyway
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		r.halt(kctx, cid, false, true)
		cancel()
		err = fmt.Errorf("killed after %w", ctx.Err())
	}
	select {
	case <-done: // a signal error no longer matters: e.g. it had just exited
	case <-time.After(30 * time.Second):
		err = errors.Join(err, herr, fmt.Errorf("container %s still running 30s after SIGKILL", n.name))
	}
	n.Set(harness.StateStopped)
	return err
}

// halt signals the container: SIGKILL (docker kills a paused container
// too), or docker stop: SIGTERM, then SIGKILL after StopTimeout. A frozen
// JVM cannot handle SIGTERM, so a paused container is unpaused first.
func (r *Runtime) halt(ctx context.Context, cid string, paused, kill bool) error {
	if kill {
		_, err := r.cli.ContainerKill(ctx, cid, client.ContainerKillOptions{Signal: "SIGKILL"})
		return err
	}
	if paused {
		if _, err := r.cli.ContainerUnpause(ctx, cid, client.ContainerUnpauseOptions{}); err != nil {
			return err
		}
	}
	secs := int(math.Ceil(r.opts.StopTimeout.Seconds()))
	_, err := r.cli.ContainerStop(ctx, cid, client.ContainerStopOptions{Timeout: &secs})
	return err
}

// pause freezes the container; docker returns once it is frozen.
func (n *dockerNode) pause(ctx context.Context, r *Runtime) error {
	return n.move(harness.StatePaused, harness.StateRunning, func(cid string) error {
		_, err := r.cli.ContainerPause(ctx, cid, client.ContainerPauseOptions{})
		return err
	})
}

// resume thaws a paused container.
func (n *dockerNode) resume(ctx context.Context, r *Runtime) error {
	return n.move(harness.StateRunning, harness.StatePaused, func(cid string) error {
		_, err := r.cli.ContainerUnpause(ctx, cid, client.ContainerUnpauseOptions{})
		return err
	})
}

// move goes from one state to next and runs act on the container,
// reverting when act fails.
func (n *dockerNode) move(next, from harness.NodeState, act func(cid string) error) error {
	n.Lock()
	err := n.Transition(next, from)
	cid := n.containerID
	n.Unlock()
	if err != nil {
		return err
	}
	if err := act(cid); err != nil {
		n.Revert(next, from)
		return err
	}
	return nil
}

// logTail reads the last lines of the container's stdout and stderr.
func (n *dockerNode) logTail(r *Runtime, count int) string {
	n.Lock()
	cid := n.containerID
	n.Unlock()
	if cid == "" {
		return "(no container yet)"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := r.cli.ContainerLogs(ctx, cid, client.ContainerLogsOptions{
		ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(count),
	})
	if err != nil {
		return fmt.Sprintf("(no logs of %s: %v)", n.name, err)
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil && out.Len() == 0 {
		return fmt.Sprintf("(no logs of %s: %v)", n.name, err)
	}
	if out.Len() == 0 {
		return "(no log output)"
	}
	return "--- container " + n.name + " ---\n" + lines.Tail(out.String(), count)
}
