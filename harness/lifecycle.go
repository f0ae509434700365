package harness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// ErrClosed is what an operation on a closed runtime or node returns.
var ErrClosed = errors.New("runtime closed")

// Lifecycle is a node's state machine, the one every runtime shares: its
// state, the moves allowed from it, Close barring the node, and an exit
// nobody asked for. The embedded mutex also guards the runtime's own node
// fields; methods noted "held" expect it held.
type Lifecycle struct {
	sync.Mutex
	state   NodeState
	closed  bool
	exitErr error
}

// NewLifecycle is a planned node's.
func NewLifecycle() Lifecycle { return Lifecycle{state: StatePlanned} }

// Current reports the state.
func (l *Lifecycle) Current() NodeState {
	l.Lock()
	defer l.Unlock()
	return l.state
}

// Set moves to s unconditionally.
func (l *Lifecycle) Set(s NodeState) {
	l.Lock()
	defer l.Unlock()
	l.state = s
}

// Revert undoes a transition from→to whose action failed, unless the node
// has moved on since (e.g. it exited).
func (l *Lifecycle) Revert(from, to NodeState) {
	l.Lock()
	defer l.Unlock()
	if l.state == from {
		l.state = to
	}
}

// Transition moves from one of the allowed states to next, or says why
// not: a closed node moves nowhere. Held.
func (l *Lifecycle) Transition(next NodeState, allowed ...NodeState) error {
	if l.closed {
		return ErrClosed
	}
	if !slices.Contains(allowed, l.state) {
		return fmt.Errorf("node is %s, want %s", l.describe(), joinStates(allowed))
	}
	l.state = next
	return nil
}

// State is the state. Held.
func (l *Lifecycle) State() NodeState { return l.state }

// Put moves to s unconditionally. Held.
func (l *Lifecycle) Put(s NodeState) { l.state = s }

// Closed reports whether Close barred the node. Held.
func (l *Lifecycle) Closed() bool { return l.closed }

// Close bars later moves; a live node counts as stopped when stop says
// so (its runtime removes it without stopping it first). Held.
func (l *Lifecycle) Close(stop bool) {
	l.closed = true
	if stop && l.live() {
		l.state = StateStopped
	}
}

// Started records a successful start. Held.
func (l *Lifecycle) Started() { l.state, l.exitErr = StateRunning, nil }

// Ended records how the node's process ended: err, and, unless it was
// asked to stop, the exited state, logged. Held.
func (l *Lifecycle) Ended(id int32, err error, logf func(string, ...any)) {
	l.exitErr = err
	if l.live() {
		l.state = StateExited
		logf("node %d exited unexpectedly: %v", id, err)
	}
}

func (l *Lifecycle) live() bool { return l.state == StateRunning || l.state == StatePaused }

// describe is the state, with the exit status when the node died.
func (l *Lifecycle) describe() string {
	if l.state == StateExited && l.exitErr != nil {
		return fmt.Sprintf("%s (%v)", l.state, l.exitErr)
	}
	return string(l.state)
}

func joinStates(s []NodeState) string {
	parts := make([]string, len(s))
	for i, st := range s {
		parts[i] = string(st)
	}
	return strings.Join(parts, " or ")
}
