package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/internal/freeport"
	"github.com/chaosrun/chaosrun/internal/javaprops"
)

// Options configure a Runtime. Every field is optional.
type Options struct {
	// Version is the Kafka version to resolve when LibsDir is empty
	// (default harness.DefaultKafkaVersion).
	Version string
	// LibsDir holds the Kafka jars; empty resolves them with harness.KafkaLibs.
	LibsDir string
	harness.RunOptions

	// KeepJVMs leaves JVMs running when this process dies: tests use it
	// to leave work for CleanLeftovers.
	KeepJVMs bool
}

// Runtime runs each node as a local JVM child process. Its files live
// in <Root>/run-<RunID>/node-<id>/: server.properties, log4j2.properties,
// data/ (log.dirs), kafka.log (log4j, WARN) and stdout.log (JVM output).
type Runtime struct {
	harness.RunBase[*procNode]

	opts    Options
	version string
}

var _ harness.Instance = (*Runtime)(nil)

// New prepares a run: it finds the jars, cleans leftovers of
// dead runs under the root, and creates and locks this run's dir.
func New(opts Options) (*Runtime, error) {
	opts = withDefaults(opts)
	if err := harness.RequireTools("java"); err != nil {
		return nil, err
	}
	if err := harness.CheckRunID(opts.RunID).Err(); err != nil {
		return nil, err
	}
	if opts.LibsDir == "" {
		libs, err := harness.KafkaLibs(context.Background(), opts.Version, opts.Logf)
		if err != nil {
			return nil, err
		}
		opts.LibsDir = libs
	}
	version, err := harness.LibsVersion(opts.LibsDir)
	if err != nil {
		return nil, err
	}
	r := &Runtime{opts: opts, version: version}
	if err := r.Open(opts.Root, opts.RunID, opts.Logf, opts.Clean); err != nil {
		return nil, err
	}
	return r, nil
}

func withDefaults(o Options) Options {
	o.RunOptions = o.RunOptions.WithDefaults()
	return o
}

// Name returns "process".
func (r *Runtime) Name() string { return "process" }

// KafkaVersion is the version of the jars in use.
func (r *Runtime) KafkaVersion() string { return r.version }

// NodeDir is the node's dir: server.properties, data/, kafka.log, stdout.log.
func (r *Runtime) NodeDir(id int32) string {
	return filepath.Join(r.RunDir(), fmt.Sprintf("node-%d", id))
}

// Plan lays out ports, dirs and properties for every node and writes the
// config files. Ports are fixed for the runtime's lifetime.
func (r *Runtime) Plan(ctx context.Context, specs []harness.NodeSpec) ([]harness.NodePlan, error) {
	return r.PlanNodes(specs, r.layout)
}

// layout picks every node's ports and writes its files.
func (r *Runtime) layout(specs []harness.NodeSpec) (map[int32]*procNode, []harness.NodePlan, error) {
	addrs, err := processAddrs(specs)
	if err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	voters := harness.QuorumVoters(specs, addrs)
	nodes, plans := map[int32]*procNode{}, make([]harness.NodePlan, 0, len(specs))
	for _, s := range specs {
		n, err := r.planNode(s, addrs[s.ID], voters)
		if err != nil {
			return nil, nil, fmt.Errorf("plan node %d: %w", s.ID, err)
		}
		nodes[s.ID] = n
		plans = append(plans, harness.NodePlan{ID: s.ID, Upstream: addrs[s.ID].ClientBind, Properties: n.props})
	}
	return nodes, plans, nil
}

// processAddrs picks loopback ports: CLIENT, INTERNAL and, for
// controllers, CONTROLLER per node.
func processAddrs(specs []harness.NodeSpec) (map[int32]harness.NodeAddrs, error) {
	count := 0
	for _, s := range specs {
		count += 2
		if s.Controller {
			count++
		}
	}
	ports, err := freeport.Pick(count)
	if err != nil {
		return nil, err
	}
	next := func() string { p := ports[0]; ports = ports[1:]; return freeport.HostPort(p) }
	out := map[int32]harness.NodeAddrs{}
	for _, s := range specs {
		a := harness.NodeAddrs{ClientBind: next(), InternalBind: next()}
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
func (r *Runtime) planNode(s harness.NodeSpec, a harness.NodeAddrs, voters string) (*procNode, error) {
	dir := r.NodeDir(s.ID)
	n := &procNode{
		id: s.ID, dir: dir, clusterID: s.ClusterID, features: s.Features,
		Lifecycle: harness.NewLifecycle(), logf: r.opts.Logf,
	}
	if err := os.MkdirAll(n.path("data"), 0o755); err != nil {
		return nil, err
	}
	n.props = harness.BrokerProperties(s, a, voters, n.path("data"))
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

// StartNode formats storage on the first start, then launches the JVM. It
// does not wait for the broker to serve.
func (r *Runtime) StartNode(ctx context.Context, id int32) error {
	return r.Do("start", id, func(n *procNode) error { return n.start(ctx, r) })
}

// StopNode sends SIGTERM (and SIGCONT if paused) and waits for exit,
// SIGKILLing after StopTimeout or when ctx ends.
func (r *Runtime) StopNode(ctx context.Context, id int32) error {
	return r.Do("stop", id, func(n *procNode) error { return n.stop(ctx, false, r.opts.StopTimeout) })
}

// KillNode sends SIGKILL and waits for exit.
func (r *Runtime) KillNode(ctx context.Context, id int32) error {
	return r.Do("kill", id, func(n *procNode) error { return n.stop(ctx, true, 0) })
}

// PauseNode sends SIGSTOP and waits until the kernel reports it stopped.
func (r *Runtime) PauseNode(ctx context.Context, id int32) error {
	return r.Do("pause", id, func(n *procNode) error { return n.pause(ctx) })
}

// ResumeNode sends SIGCONT to a paused node.
func (r *Runtime) ResumeNode(ctx context.Context, id int32) error {
	return r.Do("resume", id, func(n *procNode) error { return n.resume() })
}

// State reports the node's lifecycle state.
func (r *Runtime) State(id int32) (harness.NodeState, error) {
	var s harness.NodeState
	err := r.Do("state of", id, func(n *procNode) error { s = n.Current(); return nil })
	return s, err
}

// LogTail returns the last n lines of the node's kafka.log and stdout.log.
func (r *Runtime) LogTail(id int32, n int) string {
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
func (r *Runtime) Close(ctx context.Context) error {
	return r.CloseOnce(func() error { return r.close(ctx) })
}

func (r *Runtime) close(ctx context.Context) error {
	var errs []error
	for _, n := range r.Shut(nil) {
		errs = append(errs, n.shutdown(ctx))
	}
	r.WaitIdle()
	return errors.Join(append(errs, r.Release())...)
}

// Kind registers the process runtime (see package runtimes).
var Kind = harness.RuntimeKind{
	Name: "process", Abilities: []harness.Ability{harness.AbilityKill, harness.AbilityStop, harness.AbilityPause},
	Usable: func(context.Context, harness.RuntimeOptions) (bool, string) {
		if err := harness.RequireTools("java"); err != nil {
			return false, err.Error()
		}
		return true, "java is installed"
	},
	New: func(ctx context.Context, o harness.RuntimeOptions) (harness.Instance, error) {
		libs, err := harness.KafkaLibs(ctx, harness.DefaultKafkaVersion, o.Logf)
		if err != nil {
			return nil, err
		}
		return New(Options{Version: harness.DefaultKafkaVersion, LibsDir: libs, RunOptions: harness.RunOptions{RunID: o.RunID, Logf: o.Logf, Clean: o.Clean}})
	},
}

// PID is node id's JVM, 0 when it has not started.
func (r *Runtime) PID(id int32) int {
	n, ok := r.Lookup(id)
	if !ok {
		return 0
	}
	n.Lock()
	defer n.Unlock()
	if n.cmd == nil || n.cmd.Process == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

// writeProperties writes p as a Java properties file, keys sorted.
func writeProperties(path string, p map[string]string) error {
	return os.WriteFile(path, []byte(javaprops.Render(p)), 0o644)
}
