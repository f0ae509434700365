package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// RunBase is what every runtime shares, whatever runs its nodes (N is the
// runtime's node type): a run dir under a root, held by a lock so cleanups
// know the run lives; the nodes Plan made once; the operations in flight,
// which Close waits for; and a Close that runs once.
type RunBase[N any] struct {
	runID  string
	runDir string
	lock   *os.File

	ctx    context.Context // canceled by Close: aborts work in flight
	cancel context.CancelFunc

	mu       sync.Mutex
	planned  bool
	closed   bool
	nodes    map[int32]N
	inflight sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// CheckRunID refuses ids that cannot name a dir, a container and a label.
func CheckRunID(id string) problem.List {
	if !runIDPattern.MatchString(id) {
		return problem.List{{Field: fmt.Sprintf("run id %q", id), Msg: "use letters, digits, '.', '_' or '-'"}}
	}
	return nil
}

// RunOptions are the options every runtime that runs broker JVMs shares,
// embedded in its own. Every field is optional.
type RunOptions struct {
	// RunID names the run (default: time plus random suffix).
	RunID string
	// Root holds run dirs (default DefaultRoot()).
	Root string
	// JavaOpts are the broker JVM options (default DefaultJavaOpts()).
	JavaOpts []string
	// StopTimeout bounds a graceful stop before SIGKILL (default 30 s).
	StopTimeout time.Duration
	// Logf receives progress and unexpected node exits.
	Logf func(string, ...any)
	// Clean removes dead runs' leftovers first (nil: run dirs and marked
	// processes only; package runtimes passes every runtime's cleanup).
	Clean Cleaner
}

// WithDefaults fills the fields left empty.
func (o RunOptions) WithDefaults() RunOptions {
	o.Logf = OrNop(o.Logf)
	if o.RunID == "" {
		o.RunID = NewRunID()
	}
	if o.Root == "" {
		o.Root = DefaultRoot()
	}
	if o.JavaOpts == nil {
		o.JavaOpts = DefaultJavaOpts()
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 30 * time.Second
	}
	return o
}

// DefaultJavaOpts are broker JVM options sized so three brokers share two
// cores: small heaps, few GC threads, and only the C1 compiler: runs are
// minutes long, and C2's warm-up took most of two cores for the first
// minute of every run (produce-ack p50 505ms against 177ms at 1000/s here).
func DefaultJavaOpts() []string {
	return []string{
		"-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:TieredStopAtLevel=1",
		"-XX:ParallelGCThreads=2", "-XX:ConcGCThreads=1", "-XX:+ExitOnOutOfMemoryError",
		"-Xshare:auto", "-Djava.awt.headless=true",
	}
}

// ToolJavaOpts start short-lived tool JVMs (storage format) fast.
var ToolJavaOpts = []string{"-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xmx256m"}

// NewRunID names a run: UTC start time, sortable, plus a random suffix.
func NewRunID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

// Open cleans what dead runs left under root with clean (nil:
// CleanLeftovers), then creates and locks this run's dir there.
func (b *RunBase[N]) Open(root, runID string, logf func(string, ...any), clean Cleaner) error {
	if err := ensureRoot(root); err != nil {
		return err
	}
	if clean == nil {
		clean = CleanLeftovers
	}
	if _, err := clean(root, logf); err != nil {
		logf("cleaning leftovers: %v", err)
	}
	dir, lock, err := CreateRunDir(root, runID)
	if err != nil {
		return err
	}
	b.Init(runID, dir, lock)
	return nil
}

// Init readies a base for the run dir that lock holds (Open does it;
// tests make one without a dir).
func (b *RunBase[N]) Init(runID, dir string, lock *os.File) {
	b.runID, b.runDir, b.lock = runID, dir, lock
	b.nodes = map[int32]N{}
	b.ctx, b.cancel = context.WithCancel(context.Background())
}

// CreateRunDir makes <root>/run-<id> holding a locked lock file. It locks a
// temp dir and renames it, so CleanLeftovers never sees an unlocked run dir.
func CreateRunDir(root, id string) (string, *os.File, error) {
	dir := filepath.Join(root, runDirPrefix+id)
	if _, err := os.Stat(dir); err == nil {
		return "", nil, fmt.Errorf("run dir %s already exists", dir)
	}
	tmp, err := os.MkdirTemp(root, tmpDirPrefix+id+"-")
	if err != nil {
		return "", nil, fmt.Errorf("create run dir: %w", err)
	}
	lock, ok, err := TryLock(filepath.Join(tmp, LockName))
	if err == nil && !ok {
		err = errors.New("lock taken")
	}
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("create run dir %s: %w", dir, err)
	}
	return dir, lock, nil
}

// PlanNodes checks specs and registers the nodes layout makes from them, once.
// layout runs under the lock and wraps its own errors.
func (b *RunBase[N]) PlanNodes(specs []NodeSpec, layout func([]NodeSpec) (map[int32]N, []NodePlan, error)) ([]NodePlan, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if b.planned {
		return nil, errors.New("plan: already planned")
	}
	if err := validateSpecs(specs).Err(); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	nodes, plans, err := layout(specs)
	if err != nil {
		return nil, err
	}
	maps.Copy(b.nodes, nodes)
	b.planned = true
	return plans, nil
}

// validateSpecs says what is wrong with the nodes to plan. A node's
// problems are at "node <id>", its id's at "node id <id>".
func validateSpecs(specs []NodeSpec) problem.List {
	if len(specs) == 0 {
		return problem.List{{Msg: "no nodes"}}
	}
	var ps problem.List
	seen, controllers := map[int32]bool{}, 0
	for _, s := range specs {
		node := fmt.Sprintf("node %d", s.ID)
		switch {
		case s.ID < 0 || seen[s.ID]:
			ps.Add(fmt.Sprintf("node id %d", s.ID), "negative or duplicate")
		case s.ClientAdvertised == "" || s.ClusterID == "":
			ps.Add(node, "client address and cluster id are required")
		}
		for _, p := range ValidateBrokerConfig(s.Overrides) {
			ps.Add(node, p.Error())
		}
		seen[s.ID] = true
		if s.Controller {
			controllers++
		}
	}
	if controllers == 0 {
		ps.Add("", "no controller node")
	}
	return ps
}

// node returns a planned node and registers an operation in flight, which
// the caller ends with done.
func (b *RunBase[N]) node(id int32) (n N, done func(), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return n, nil, ErrClosed
	}
	n, ok := b.nodes[id]
	if !ok {
		return n, nil, fmt.Errorf("unknown node %d", id)
	}
	b.inflight.Add(1)
	return n, b.inflight.Done, nil
}

// Lookup returns a planned node, closed or not, without registering
// anything: for reads such as log tails.
func (b *RunBase[N]) Lookup(id int32) (N, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, ok := b.nodes[id]
	return n, ok
}

// Do runs op on node id as an operation in flight, wrapping its error with
// the verb: "stop node 2: ...".
func (b *RunBase[N]) Do(verb string, id int32, op func(N) error) error {
	n, done, err := b.node(id)
	if err != nil {
		return fmt.Errorf("%s node %d: %w", verb, id, err)
	}
	defer done()
	if err := op(n); err != nil {
		return fmt.Errorf("%s node %d: %w", verb, id, err)
	}
	return nil
}

// Bound derives from ctx a context that Close ends too.
func (b *RunBase[N]) Bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(b.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// CloseOnce runs close once; concurrent and later calls wait for it and
// return its result.
func (b *RunBase[N]) CloseOnce(close func() error) error {
	b.closeOnce.Do(func() { b.closeErr = close() })
	return b.closeErr
}

// Shut bars new operations, hands each node to mark (when not nil) before
// anything else can touch it, cancels the run's context and returns the
// nodes, in id order.
func (b *RunBase[N]) Shut(mark func(N)) []N {
	b.mu.Lock()
	b.closed = true
	nodes := make([]N, 0, len(b.nodes))
	for _, id := range slices.Sorted(maps.Keys(b.nodes)) {
		if mark != nil {
			mark(b.nodes[id])
		}
		nodes = append(nodes, b.nodes[id])
	}
	b.mu.Unlock()
	b.cancel()
	return nodes
}

// Release removes the run dir and lets go of its lock, which tells
// cleanups the run is over.
func (b *RunBase[N]) Release() error {
	if b.lock == nil {
		return nil // never opened
	}
	defer b.lock.Close()
	if err := os.RemoveAll(b.runDir); err != nil {
		return fmt.Errorf("remove run dir: %w", err)
	}
	return nil
}

// RunID identifies the run; its processes or containers carry it.
func (b *RunBase[N]) RunID() string { return b.runID }

// RunDir is <Root>/run-<RunID>; Close removes it.
func (b *RunBase[N]) RunDir() string { return b.runDir }

// Context is canceled by Close: work in flight ends with it.
func (b *RunBase[N]) Context() context.Context { return b.ctx }

// WaitIdle waits for the operations in flight.
func (b *RunBase[N]) WaitIdle() { b.inflight.Wait() }
