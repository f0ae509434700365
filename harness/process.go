package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// ProcessOptions configure a ProcessRuntime. Every field is optional.
type ProcessOptions struct {
	// Version is the Kafka version to resolve when LibsDir is empty
	// (default DefaultKafkaVersion).
	Version string
	// LibsDir holds the Kafka jars; empty resolves them with KafkaLibs.
	LibsDir string
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

	// orphanJVMs leaves JVMs running when this process dies; tests use it
	// to leave work for CleanLeftovers.
	orphanJVMs bool
}

// DefaultJavaOpts are broker JVM options sized so three brokers share two
// cores: small heaps, few GC threads.
func DefaultJavaOpts() []string {
	return []string{
		"-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
		"-XX:ParallelGCThreads=2", "-XX:ConcGCThreads=1", "-XX:+ExitOnOutOfMemoryError",
		"-Xshare:auto", "-Djava.awt.headless=true",
	}
}

// toolJavaOpts start short-lived tool JVMs (storage format) fast.
var toolJavaOpts = []string{"-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xmx256m"}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ProcessRuntime runs each node as a local JVM child process. Its files live
// in <Root>/run-<RunID>/node-<id>/: server.properties, log4j2.properties,
// data/ (log.dirs), kafka.log (log4j, WARN) and stdout.log (JVM output).
type ProcessRuntime struct {
	opts    ProcessOptions
	version string
	runDir  string
	lock    *os.File

	ctx    context.Context // canceled by Close to abort formats in flight
	cancel context.CancelFunc

	mu       sync.Mutex
	planned  bool
	closed   bool
	nodes    map[int32]*procNode
	inflight sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

var _ Runtime = (*ProcessRuntime)(nil)

// NewProcessRuntime prepares a run: it finds the jars, cleans leftovers of
// dead runs under the root, and creates and locks this run's dir.
func NewProcessRuntime(opts ProcessOptions) (*ProcessRuntime, error) {
	opts = withDefaults(opts)
	if err := requireTools("java"); err != nil {
		return nil, err
	}
	if !runIDPattern.MatchString(opts.RunID) {
		return nil, fmt.Errorf("run id %q: use letters, digits, '.', '_' or '-'", opts.RunID)
	}
	if opts.LibsDir == "" {
		libs, err := KafkaLibs(context.Background(), opts.Version, opts.Logf)
		if err != nil {
			return nil, err
		}
		opts.LibsDir = libs
	}
	version, err := LibsVersion(opts.LibsDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Root, 0o755); err != nil {
		return nil, fmt.Errorf("create root: %w", err)
	}
	if _, err := CleanLeftovers(opts.Root, opts.Logf); err != nil {
		opts.Logf("cleaning leftovers: %v", err)
	}
	runDir, lock, err := createRunDir(opts.Root, opts.RunID)
	if err != nil {
		return nil, err
	}
	r := &ProcessRuntime{opts: opts, version: version, runDir: runDir, lock: lock, nodes: map[int32]*procNode{}}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

func withDefaults(o ProcessOptions) ProcessOptions {
	runDefaults(&o.Logf, &o.RunID, &o.Root, &o.JavaOpts, &o.StopTimeout)
	return o
}

// runDefaults fills the options both runtimes share.
func runDefaults(logf *func(string, ...any), runID, root *string, javaOpts *[]string, stopTimeout *time.Duration) {
	*logf = orNop(*logf)
	if *runID == "" {
		*runID = NewRunID()
	}
	if *root == "" {
		*root = DefaultRoot()
	}
	if *javaOpts == nil {
		*javaOpts = DefaultJavaOpts()
	}
	if *stopTimeout <= 0 {
		*stopTimeout = 30 * time.Second
	}
}

// NewRunID names a run: UTC start time, sortable, plus a random suffix.
func NewRunID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

// createRunDir makes <root>/run-<id> holding a locked lock file. It locks a
// temp dir and renames it, so CleanLeftovers never sees an unlocked run dir.
func createRunDir(root, id string) (string, *os.File, error) {
	dir := filepath.Join(root, runDirPrefix+id)
	if _, err := os.Stat(dir); err == nil {
		return "", nil, fmt.Errorf("run dir %s already exists", dir)
	}
	tmp, err := os.MkdirTemp(root, tmpDirPrefix+id+"-")
	if err != nil {
		return "", nil, fmt.Errorf("create run dir: %w", err)
	}
	lock, ok, err := tryLock(filepath.Join(tmp, lockName))
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

// Name returns "process".
func (r *ProcessRuntime) Name() string { return "process" }

// KafkaVersion is the version of the jars in use.
func (r *ProcessRuntime) KafkaVersion() string { return r.version }

// RunID identifies this run; its JVMs carry -Dchaosrun.run=<RunID>.
func (r *ProcessRuntime) RunID() string { return r.opts.RunID }

// RunDir is <Root>/run-<RunID>; Close removes it.
func (r *ProcessRuntime) RunDir() string { return r.runDir }

// NodeDir is the node's dir: server.properties, data/, kafka.log, stdout.log.
func (r *ProcessRuntime) NodeDir(id int32) string {
	return filepath.Join(r.runDir, fmt.Sprintf("node-%d", id))
}

// Plan lays out ports, dirs and properties for every node and writes the
// config files. Ports are fixed for the runtime's lifetime.
func (r *ProcessRuntime) Plan(ctx context.Context, specs []NodeSpec) ([]NodePlan, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errClosed
	}
	if r.planned {
		return nil, errors.New("plan: already planned")
	}
	if err := validateSpecs(specs); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	addrs, err := processAddrs(specs)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	voters := quorumVoters(specs, addrs)
	plans := make([]NodePlan, 0, len(specs))
	for _, s := range specs {
		n, err := r.planNode(s, addrs[s.ID], voters)
		if err != nil {
			return nil, fmt.Errorf("plan node %d: %w", s.ID, err)
		}
		r.nodes[s.ID] = n
		plans = append(plans, NodePlan{ID: s.ID, Upstream: addrs[s.ID].ClientBind, Properties: n.props})
	}
	r.planned = true
	return plans, nil
}

func validateSpecs(specs []NodeSpec) error {
	if len(specs) == 0 {
		return errors.New("no nodes")
	}
	seen, controllers := map[int32]bool{}, 0
	for _, s := range specs {
		switch {
		case s.ID < 0 || seen[s.ID]:
			return fmt.Errorf("node id %d: negative or duplicate", s.ID)
		case s.ClientAdvertised == "" || s.ClusterID == "":
			return fmt.Errorf("node %d: client address and cluster id are required", s.ID)
		}
		if err := ValidateBrokerConfig(s.Overrides); err != nil {
			return fmt.Errorf("node %d: %w", s.ID, err)
		}
		seen[s.ID] = true
		if s.Controller {
			controllers++
		}
	}
	if controllers == 0 {
		return errors.New("no controller node")
	}
	return nil
}

// processAddrs picks loopback ports: CLIENT, INTERNAL and, for
// controllers, CONTROLLER per node.
func processAddrs(specs []NodeSpec) (map[int32]nodeAddrs, error) {
	count := 0
	for _, s := range specs {
		count += 2
		if s.Controller {
			count++
		}
	}
	ports, err := freePorts(count)
	if err != nil {
		return nil, err
	}
	next := func() string { p := ports[0]; ports = ports[1:]; return hostPort(p) }
	out := map[int32]nodeAddrs{}
	for _, s := range specs {
		a := nodeAddrs{ClientBind: next(), InternalBind: next()}
		a.InternalAdvertised = a.InternalBind
		if s.Controller {
			a.ControllerBind = next()
			a.ControllerAdvertised = a.ControllerBind
		}
		out[s.ID] = a
	}
	return out, nil
}

// planNode creates the node's dir and config files.
func (r *ProcessRuntime) planNode(s NodeSpec, a nodeAddrs, voters string) (*procNode, error) {
	dir := r.NodeDir(s.ID)
	n := &procNode{
		id: s.ID, dir: dir, clusterID: s.ClusterID, features: s.Features,
		state: StatePlanned, logf: r.opts.Logf,
	}
	if err := os.MkdirAll(n.path("data"), 0o755); err != nil {
		return nil, err
	}
	n.props = brokerProperties(s, a, voters, n.path("data"))
	if err := writeProperties(n.path("server.properties"), n.props); err != nil {
		return nil, err
	}
	return n, writeLog4j(n.path("log4j2.properties"), n.path("kafka.log"))
}

// writeLog4j configures WARN logging to one file, plus the server's
// started/stopped lines so restarts show in the log.
func writeLog4j(path, logFile string) error {
	return writeProperties(path, map[string]string{
		"status":                          "error",
		"appender.file.type":              "File",
		"appender.file.name":              "FILE",
		"appender.file.fileName":          logFile,
		"appender.file.append":            "true",
		"appender.file.layout.type":       "PatternLayout",
		"appender.file.layout.pattern":    "[%d] %p %m (%c)%n",
		"rootLogger.level":                "WARN",
		"rootLogger.appenderRef.file.ref": "FILE",
		"logger.server.name":              "kafka.server.KafkaRaftServer",
		"logger.server.level":             "INFO",
	})
}

var errClosed = errors.New("runtime closed")

// node returns a planned node and registers an operation in flight.
func (r *ProcessRuntime) node(id int32) (*procNode, func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, nil, errClosed
	}
	n, ok := r.nodes[id]
	if !ok {
		return nil, nil, fmt.Errorf("unknown node %d", id)
	}
	r.inflight.Add(1)
	return n, r.inflight.Done, nil
}

// do runs op on node id, wrapping its error with the verb.
func (r *ProcessRuntime) do(verb string, id int32, op func(*procNode) error) error {
	n, done, err := r.node(id)
	if err != nil {
		return fmt.Errorf("%s node %d: %w", verb, id, err)
	}
	defer done()
	if err := op(n); err != nil {
		return fmt.Errorf("%s node %d: %w", verb, id, err)
	}
	return nil
}

// StartNode formats storage on the first start, then launches the JVM. It
// does not wait for the broker to serve.
func (r *ProcessRuntime) StartNode(ctx context.Context, id int32) error {
	return r.do("start", id, func(n *procNode) error { return n.start(ctx, r) })
}

// StopNode sends SIGTERM (and SIGCONT if paused) and waits for exit,
// SIGKILLing after StopTimeout or when ctx ends.
func (r *ProcessRuntime) StopNode(ctx context.Context, id int32) error {
	return r.do("stop", id, func(n *procNode) error { return n.stop(ctx, false, r.opts.StopTimeout) })
}

// KillNode sends SIGKILL and waits for exit.
func (r *ProcessRuntime) KillNode(ctx context.Context, id int32) error {
	return r.do("kill", id, func(n *procNode) error { return n.stop(ctx, true, 0) })
}

// PauseNode sends SIGSTOP and waits until the kernel reports it stopped.
func (r *ProcessRuntime) PauseNode(ctx context.Context, id int32) error {
	return r.do("pause", id, func(n *procNode) error { return n.pause(ctx) })
}

// ResumeNode sends SIGCONT to a paused node.
func (r *ProcessRuntime) ResumeNode(ctx context.Context, id int32) error {
	return r.do("resume", id, func(n *procNode) error { return n.resume() })
}

// State reports the node's lifecycle state.
func (r *ProcessRuntime) State(id int32) (NodeState, error) {
	var s NodeState
	err := r.do("state of", id, func(n *procNode) error { s = n.currentState(); return nil })
	return s, err
}

// LogTail returns the last n lines of the node's kafka.log and stdout.log.
func (r *ProcessRuntime) LogTail(id int32, n int) string {
	dir := r.NodeDir(id)
	var parts []string
	for _, f := range []string{"kafka.log", "stdout.log"} {
		if t := fileTail(filepath.Join(dir, f), n); t != "" {
			parts = append(parts, "--- "+f+" ---\n"+t)
		}
	}
	if len(parts) == 0 {
		return "(no log output)"
	}
	return joinLines(parts)
}

// Close kills every JVM (SIGKILL: the data is discarded anyway), waits for
// operations in flight, removes the run dir and releases its lock.
// Concurrent and repeated calls wait for the first and return its result.
func (r *ProcessRuntime) Close(ctx context.Context) error {
	r.closeOnce.Do(func() { r.closeErr = r.close(ctx) })
	return r.closeErr
}

func (r *ProcessRuntime) close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	nodes := make([]*procNode, 0, len(r.nodes))
	for _, n := range r.nodes {
		nodes = append(nodes, n)
	}
	r.mu.Unlock()
	r.cancel()
	var errs []error
	for _, n := range nodes {
		errs = append(errs, n.shutdown(ctx))
	}
	r.inflight.Wait()
	if err := os.RemoveAll(r.runDir); err != nil {
		errs = append(errs, fmt.Errorf("remove run dir: %w", err))
	}
	r.lock.Close()
	return errors.Join(errs...)
}
