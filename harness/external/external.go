package external

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kafkaconn"
)

// Options describe a cluster chaosrun did not start and must leave as it
// found it: its brokers are found in its metadata, a proxy is put in front
// of each, and broker faults run the user's hook commands.
type Options struct {
	// Bootstrap is where to ask for the cluster's metadata first.
	Bootstrap []string
	Security  kafkaconn.Security
	Hooks     Hooks
	// ReadyTimeout bounds waiting for a broker to serve again after a start
	// hook (default 90 s).
	ReadyTimeout time.Duration
	// RunID names the run's directory (kitchen database, logs) under
	// harness.DefaultRoot; a crashed run's is removed by the next run's start.
	RunID string
	// Clean removes dead runs' leftovers before the run dir is made (nil:
	// harness.CleanLeftovers; package runtimes passes every runtime's cleanup).
	Clean harness.Cleaner
	Logf  func(string, ...any)
}

// Attach finds the brokers of an external cluster, starts a proxy in front
// of each on a loopback port and returns the cluster, reached through them.
// Close removes the proxies and leaves the brokers as they are.
func Attach(ctx context.Context, o Options) (*harness.Cluster, error) {
	begin := time.Now()
	logf := harness.OrNop(o.Logf)
	direct := kafkaconn.Conn{Seeds: slices.Clone(o.Bootstrap), Security: o.Security}
	brokers, clusterID, err := discover(ctx, direct)
	if err != nil {
		return nil, fmt.Errorf("external cluster at %v: %w", o.Bootstrap, err)
	}
	rt := &hookRuntime{runner: &hookRunner{hooks: o.Hooks}, brokers: map[int32]kadm.BrokerDetail{}, state: map[int32]harness.NodeState{}}
	if o.RunID == "" {
		o.RunID = harness.NewRunID()
	}
	if err := rt.base.Open(harness.DefaultRoot(), o.RunID, logf, o.Clean); err != nil {
		return nil, err
	}
	var found []harness.NodePlan
	for _, b := range brokers {
		rt.brokers[b.NodeID] = b
		rt.state[b.NodeID] = harness.StateRunning
		found = append(found, harness.NodePlan{ID: b.NodeID, Upstream: net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))})
	}
	c, err := harness.Adopt(rt, harness.Adopted{
		ClusterID: clusterID, Brokers: found, Security: o.Security,
		ReadyTimeout: o.ReadyTimeout, Logf: logf, Began: begin,
		Describe: func(c *harness.Cluster) (map[int32]map[string]string, error) { return describe(ctx, c, rt, logf) },
	})
	if err != nil {
		return nil, err
	}
	logf("external cluster %s: %d brokers %v (Kafka %s), each behind a proxy on loopback", clusterID, len(found), c.NodeIDs(), rt.version)
	return c, nil
}

// discover asks the bootstrap brokers, directly, which brokers the
// cluster has and where they advertise themselves.
func discover(ctx context.Context, conn kafkaconn.Conn) ([]kadm.BrokerDetail, string, error) {
	cl, err := conn.NewClient()
	if err != nil {
		return nil, "", err
	}
	defer cl.Close()
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := kadm.NewClient(cl).BrokerMetadata(actx)
	if err != nil {
		return nil, "", fmt.Errorf("metadata: %w", err)
	}
	if len(m.Brokers) == 0 {
		return nil, "", errors.New("metadata lists no brokers")
	}
	out := slices.Clone(m.Brokers)
	slices.SortFunc(out, func(a, b kadm.BrokerDetail) int { return int(a.NodeID - b.NodeID) })
	return out, m.Cluster, nil
}

// describe reads, through the proxies, each broker's Kafka version guess
// and its effective configuration, so a scenario's broker settings can be
// checked against what the cluster really runs.
func describe(ctx context.Context, c *harness.Cluster, rt *hookRuntime, logf func(string, ...any)) (map[int32]map[string]string, error) {
	cl, err := c.Conn().NewClient()
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	versions, err := adm.ApiVersions(actx)
	if err != nil {
		return nil, fmt.Errorf("api versions through the proxies: %w", err)
	}
	for _, v := range versions.Sorted() {
		if v.Err != nil {
			return nil, fmt.Errorf("broker %d through its proxy %s: %w", v.NodeID, c.Addr(v.NodeID), v.Err)
		}
		rt.version = v.VersionGuess()
	}
	// Best effort: a managed service may not grant DescribeConfigs, and only
	// a scenario that names broker settings needs them (it is refused then).
	configs, err := adm.DescribeBrokerConfigs(actx, c.NodeIDs()...)
	if err != nil {
		logf("broker configs not readable (%v): a scenario that names broker settings cannot run here", err)
		return nil, nil
	}
	out := map[int32]map[string]string{}
	for _, rc := range configs {
		id, err := strconv.Atoi(rc.Name)
		if err != nil || rc.Err != nil {
			logf("config of broker %s not readable: %v", rc.Name, cmp.Or(rc.Err, err))
			continue
		}
		props := map[string]string{}
		for _, cf := range rc.Configs {
			if cf.Value != nil && !cf.Sensitive {
				props[cf.Key] = *cf.Value
			}
		}
		out[int32(id)] = props
	}
	return out, nil
}

// hookRuntime is the harness.Runtime of an attached cluster: it starts
// nothing, and acts on a broker only through the user's hooks.
type hookRuntime struct {
	base    harness.RunBase[struct{}] // the run dir only: no node is started
	runner  *hookRunner
	version string
	brokers map[int32]kadm.BrokerDetail

	mu    sync.Mutex
	state map[int32]harness.NodeState
}

// What the cluster asks of it beyond a harness.Runtime: isolating a broker,
// the run dir, the hooks that ran.
var (
	_ harness.Partitioner = (*hookRuntime)(nil)
	_ harness.Instance    = (*hookRuntime)(nil)
	_ harness.HookRunner  = (*hookRuntime)(nil)
)

func (h *hookRuntime) Name() string         { return "external" }
func (h *hookRuntime) KafkaVersion() string { return h.version }

func (h *hookRuntime) Plan(context.Context, []harness.NodeSpec) ([]harness.NodePlan, error) {
	return nil, errors.New("an external cluster is attached, not planned")
}

// act runs the hook for act on node id and, when it succeeds, records the
// node's state after it ("" leaves it as it was).
func (h *hookRuntime) act(ctx context.Context, act HookAction, id int32, after harness.NodeState) error {
	b, ok := h.brokers[id]
	if !ok {
		return fmt.Errorf("%s node %d: not a broker of the cluster (brokers %v)", act, id, slices.Sorted(maps.Keys(h.brokers)))
	}
	if err := h.runner.run(ctx, act, id, b.Host, b.Port); err != nil {
		return err
	}
	if after != "" {
		h.mu.Lock()
		h.state[id] = after
		h.mu.Unlock()
	}
	return nil
}

func (h *hookRuntime) StartNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookStart, id, harness.StateRunning)
}
func (h *hookRuntime) StopNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookStop, id, harness.StateStopped)
}
func (h *hookRuntime) KillNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookKill, id, harness.StateStopped)
}
func (h *hookRuntime) PauseNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookPause, id, harness.StatePaused)
}
func (h *hookRuntime) ResumeNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookResume, id, harness.StateRunning)
}
func (h *hookRuntime) IsolateNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookIsolate, id, "")
}
func (h *hookRuntime) RejoinNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookRejoin, id, "")
}

func (h *hookRuntime) State(id int32) (harness.NodeState, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st, ok := h.state[id]
	if !ok {
		return "", fmt.Errorf("unknown node %d", id)
	}
	return st, nil
}

// LogTail is the output of the node's last hooks: chaosrun sees no broker log.
func (h *hookRuntime) LogTail(id int32, n int) string {
	var lines []string
	for _, r := range h.runner.history() {
		if r.Node == id {
			lines = append(lines, fmt.Sprintf("%s hook `%s`: %s %s", r.Action, r.Command, cmp.Or(r.Err, "ok"), r.Output))
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "(no hook has run for this node; chaosrun cannot read an external broker's log)"
	}
	return fmt.Sprint(lines)
}

// HookRuns are the hook commands run so far, in order.
func (h *hookRuntime) HookRuns() []harness.HookRun { return h.runner.history() }

// RunDir is where the run keeps its files.
func (h *hookRuntime) RunDir() string { return h.base.RunDir() }

// Close removes the run dir and leaves the brokers as they are: they are
// not chaosrun's.
func (h *hookRuntime) Close(context.Context) error {
	return h.base.CloseOnce(func() error {
		return h.base.Release()
	})
}

// Kind registers the attached runtime (see package runtimes): its
// abilities are the hooks the user gives, and its run dir is cleaned with
// every other.
var Kind = harness.RuntimeKind{Name: "external", Attached: true}
