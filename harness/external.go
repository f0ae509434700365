package harness

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
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chaosrun/chaosrun/internal/freeport"
	"github.com/chaosrun/chaosrun/kafkaconn"
)

// External is a cluster chaosrun did not start and must leave as it found
// it: its brokers are found in its metadata, a proxy is put in front of
// each, and broker faults run the user's hook commands.
type External struct {
	// Bootstrap is where to ask for the cluster's metadata first.
	Bootstrap []string
	Security  kafkaconn.Security
	Hooks     Hooks
	// ReadyTimeout bounds waiting for a broker to serve again after a start
	// hook (default 90 s).
	ReadyTimeout time.Duration
	// RunID names the run's directory (kitchen database, logs) under
	// DefaultRoot; a crashed run's is removed by the next run's start.
	RunID string
	// Clean removes dead runs' leftovers before the run dir is made (nil:
	// CleanLeftovers; package runtimes passes every runtime's cleanup).
	Clean Cleaner
	Logf  func(string, ...any)
}

// Attach finds the brokers of an external cluster, starts a proxy in front
// of each on a loopback port and returns the cluster, reached through them.
// Close removes the proxies and leaves the brokers as they are.
func Attach(ctx context.Context, ext External) (*Cluster, error) {
	begin := time.Now()
	logf := OrNop(ext.Logf)
	direct := kafkaconn.Conn{Seeds: slices.Clone(ext.Bootstrap), Security: ext.Security}
	brokers, clusterID, err := discover(ctx, direct)
	if err != nil {
		return nil, fmt.Errorf("external cluster at %v: %w", ext.Bootstrap, err)
	}
	rt := &hookRuntime{runner: &hookRunner{hooks: ext.Hooks}, brokers: map[int32]kadm.BrokerDetail{}, state: map[int32]NodeState{}}
	if ext.RunID == "" {
		ext.RunID = NewRunID()
	}
	if err := rt.base.Open(DefaultRoot(), ext.RunID, logf, ext.Clean); err != nil {
		return nil, err
	}
	c := &Cluster{rt: rt, clusterID: clusterID, plans: map[int32]NodePlan{}}
	fail := func(err error) (*Cluster, error) {
		c.Close(context.Background())
		return nil, err
	}
	c.cfg = Config{ReadyTimeout: ext.ReadyTimeout, Logf: logf}
	if c.cfg.ReadyTimeout <= 0 {
		c.cfg.ReadyTimeout = DefaultReadyTimeout
	}
	for _, b := range brokers {
		c.ids = append(c.ids, b.NodeID)
		rt.brokers[b.NodeID] = b
		rt.state[b.NodeID] = StateRunning
		c.plans[b.NodeID] = NodePlan{ID: b.NodeID, Upstream: net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))}
	}
	ports, err := freeport.Pick(len(c.ids))
	if err != nil {
		return fail(fmt.Errorf("proxy ports: %w", err))
	}
	c.addrs = map[int32]string{}
	route := map[string]string{}
	var seeds []string
	for i, id := range c.ids {
		c.addrs[id] = freeport.HostPort(ports[i])
		route[c.plans[id].Upstream] = c.addrs[id]
		seeds = append(seeds, c.plans[id].Upstream)
	}
	c.conn = &kafkaconn.Conn{Seeds: seeds, Route: route, Security: ext.Security}
	c.srv = newProxyServer()
	if c.proxies, err = startProxies(c.srv, c.planList(), c.addrs); err != nil {
		return fail(err)
	}
	if err := c.describe(ctx, rt); err != nil {
		return fail(err)
	}
	c.readyIn = time.Since(begin)
	logf("external cluster %s: %d brokers %v (Kafka %s), each behind a proxy on loopback", clusterID, len(c.ids), c.ids, rt.version)
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
func (c *Cluster) describe(ctx context.Context, rt *hookRuntime) error {
	cl, err := c.Conn().NewClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	versions, err := adm.ApiVersions(actx)
	if err != nil {
		return fmt.Errorf("api versions through the proxies: %w", err)
	}
	for _, v := range versions.Sorted() {
		if v.Err != nil {
			return fmt.Errorf("broker %d through its proxy %s: %w", v.NodeID, c.addrs[v.NodeID], v.Err)
		}
		rt.version = v.VersionGuess()
	}
	// Best effort: a managed service may not grant DescribeConfigs, and only
	// a scenario that names broker settings needs them (it is refused then).
	configs, err := adm.DescribeBrokerConfigs(actx, c.ids...)
	if err != nil {
		c.cfg.Logf("broker configs not readable (%v): a scenario that names broker settings cannot run here", err)
		return nil
	}
	for _, rc := range configs {
		id, err := strconv.Atoi(rc.Name)
		if err != nil || rc.Err != nil {
			c.cfg.Logf("config of broker %s not readable: %v", rc.Name, cmpErr(rc.Err, err))
			continue
		}
		props := map[string]string{}
		for _, cf := range rc.Configs {
			if cf.Value != nil && !cf.Sensitive {
				props[cf.Key] = *cf.Value
			}
		}
		p := c.plans[int32(id)]
		p.Properties = props
		c.plans[int32(id)] = p
	}
	return nil
}

func cmpCode(a, b int16) int16 {
	if a != 0 {
		return a
	}
	return b
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// RunDir is the directory an attached cluster's run keeps its files in
// ("" for a started cluster: its runtime has its own).
func (c *Cluster) RunDir() string {
	if rt, ok := c.rt.(*hookRuntime); ok {
		return rt.RunDir()
	}
	return ""
}

// External reports whether the cluster was attached rather than started.
func (c *Cluster) External() bool { _, ok := c.rt.(*hookRuntime); return ok }

// Hooks are the hook commands run so far, in order; none for a cluster
// chaosrun started.
func (c *Cluster) Hooks() []HookRun {
	if rt, ok := c.rt.(*hookRuntime); ok {
		return rt.runner.history()
	}
	return nil
}

// Voters asks the cluster for its KRaft voters (DescribeQuorum on the
// metadata partition).
func (c *Cluster) Voters(ctx context.Context) ([]int32, error) {
	cl, err := c.Conn().NewClient()
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	req := kmsg.NewPtrDescribeQuorumRequest()
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = "__cluster_metadata"
	t.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	req.Topics = []kmsg.DescribeQuorumRequestTopic{t}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("describe quorum: %w", err)
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return nil, errors.New("describe quorum: no metadata partition in the answer")
	}
	p := resp.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(cmpCode(resp.ErrorCode, p.ErrorCode)); err != nil {
		return nil, fmt.Errorf("describe quorum: %w", err)
	}
	var ids []int32
	for _, v := range p.CurrentVoters {
		ids = append(ids, v.ReplicaID)
	}
	slices.Sort(ids)
	return ids, nil
}

// hookRuntime is the Runtime of an attached cluster: it starts nothing,
// and acts on a broker only through the user's hooks.
type hookRuntime struct {
	base    RunBase[struct{}] // the run dir only: no node is started
	runner  *hookRunner
	version string
	brokers map[int32]kadm.BrokerDetail

	mu    sync.Mutex
	state map[int32]NodeState
}

func (h *hookRuntime) Name() string         { return "external" }
func (h *hookRuntime) KafkaVersion() string { return h.version }

func (h *hookRuntime) Plan(context.Context, []NodeSpec) ([]NodePlan, error) {
	return nil, errors.New("an external cluster is attached, not planned")
}

// act runs the hook for act on node id and, when it succeeds, records the
// node's state after it ("" leaves it as it was).
func (h *hookRuntime) act(ctx context.Context, act HookAction, id int32, after NodeState) error {
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
	return h.act(ctx, HookStart, id, StateRunning)
}
func (h *hookRuntime) StopNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookStop, id, StateStopped)
}
func (h *hookRuntime) KillNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookKill, id, StateStopped)
}
func (h *hookRuntime) PauseNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookPause, id, StatePaused)
}
func (h *hookRuntime) ResumeNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookResume, id, StateRunning)
}
func (h *hookRuntime) IsolateNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookIsolate, id, "")
}
func (h *hookRuntime) RejoinNode(ctx context.Context, id int32) error {
	return h.act(ctx, HookRejoin, id, "")
}

func (h *hookRuntime) State(id int32) (NodeState, error) {
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

// RunDir is where the run keeps its files.
func (h *hookRuntime) RunDir() string { return h.base.RunDir() }

// Close removes the run dir and leaves the brokers as they are: they are
// not chaosrun's.
func (h *hookRuntime) Close(context.Context) error {
	return h.base.CloseOnce(func() error {
		return h.base.Release()
	})
}

// ExternalKind registers the attached runtime (see package runtimes): its
// abilities are the hooks the user gives, and its run dir is cleaned with
// every other.
var ExternalKind = RuntimeKind{Name: "external", Attached: true}
