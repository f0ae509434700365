package harness

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"

	"github.com/chaosrun/chaosrun/internal/freeport"
	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/kafkaconn"
)

// Config describes the cluster to start. Zero values take the defaults.
type Config struct {
	// Nodes is the number of nodes, ids 1..Nodes (default 3).
	Nodes int
	// Controllers are the KRaft voter ids (default all nodes, combined
	// broker+controller); other nodes are broker-only.
	Controllers []int32
	// BrokerConfig overrides server.properties defaults, by Kafka name.
	// Reserved keys (ReservedBrokerKeys) are rejected.
	BrokerConfig map[string]string
	// Features are storage format --feature overrides, e.g.
	// {"eligible.leader.replicas.version": 0}.
	Features map[string]int
	// ReadyTimeout bounds waiting for the cluster, or a started node, to
	// serve (default 90 s).
	ReadyTimeout time.Duration
	// Logf receives progress lines.
	Logf func(string, ...any)
}

// DefaultReadyTimeout bounds waiting for a cluster, or a started node, to
// serve.
const DefaultReadyTimeout = 90 * time.Second

// Cluster is a running Kafka cluster whose every broker clients reach
// through its own toxiproxy proxy.
type Cluster struct {
	rt        Runtime
	cfg       Config
	ids       []int32
	clusterID string
	addrs     map[int32]string // proxy listen address per node
	plans     map[int32]NodePlan
	srv       *toxiproxy.ApiServer
	proxies   map[int32]*toxiproxy.Proxy
	// downstream are the proxies of services the run started (AddProxy).
	downstream map[string]*toxiproxy.Proxy
	readyIn    time.Duration
	// conn reaches an attached cluster; a started one is reached at
	// Bootstrap, its brokers advertising their proxies themselves.
	conn *kafkaconn.Conn
	// adopted: someone else runs the brokers (Adopt), chaosrun started none.
	adopted bool

	closeOnce sync.Once
	closeErr  error
}

// Start plans the nodes, starts their proxies, then the nodes in parallel,
// and waits until every broker serves metadata through the proxies. Start
// owns rt from then on: Close closes it, and so does a failed Start after
// tearing down whatever it started.
func Start(ctx context.Context, rt Runtime, cfg Config) (*Cluster, error) {
	c := &Cluster{rt: rt, clusterID: newClusterID()}
	begin := time.Now()
	err := c.boot(ctx, cfg)
	if err != nil {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if cerr := c.Close(tctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("teardown: %w", cerr))
		}
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	c.readyIn = time.Since(begin)
	c.cfg.Logf("cluster %s ready in %s: %d nodes, Kafka %s, %s runtime",
		c.clusterID, c.readyIn.Round(time.Millisecond), len(c.ids), rt.KafkaVersion(), rt.Name())
	return c, nil
}

func (c *Cluster) boot(ctx context.Context, cfg Config) error {
	cfg, err := normalize(cfg)
	if err != nil {
		return err
	}
	c.cfg, c.ids = cfg, nodeIDs(cfg.Nodes)
	if err := c.plan(ctx); err != nil {
		return err
	}
	c.srv = newProxyServer()
	if c.proxies, err = startProxies(c.srv, c.planList(), c.addrs); err != nil {
		return err
	}
	if err := c.startAll(ctx); err != nil {
		return err
	}
	return c.waitReady(ctx, c.ids, true)
}

// normalize fills defaults and validates cfg.
func normalize(cfg Config) (Config, error) {
	cfg.Logf = OrNop(cfg.Logf)
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if len(cfg.Controllers) == 0 && cfg.Nodes > 0 {
		cfg.Controllers = nodeIDs(cfg.Nodes)
	}
	return cfg, cfg.check().Err()
}

// check says what is wrong with a normalized cfg, each problem at the
// field's name in the old messages ("nodes", "controllers", ...).
func (cfg Config) check() problem.List {
	if cfg.Nodes < 1 {
		// The other checks count nodes; with none they would only add noise.
		return problem.List{{Field: "nodes", Msg: fmt.Sprintf("%d, want at least 1", cfg.Nodes)}}
	}
	var ps problem.List
	seen := map[int32]bool{}
	for _, id := range cfg.Controllers {
		if id < 1 || int(id) > cfg.Nodes || seen[id] {
			ps.Add("controllers", fmt.Sprintf("id %d is duplicate or not a node (1..%d)", id, cfg.Nodes))
		}
		seen[id] = true
	}
	if _, ok := cfg.Features[""]; ok {
		ps.Add("features", "empty name")
	}
	return append(ps, ValidateBrokerConfig(cfg.BrokerConfig)...)
}

func nodeIDs(n int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	return ids
}

// newClusterID is a KRaft cluster id: 16 random bytes, URL base64, no
// padding, never starting with '-' (tools would take it for a flag; Kafka's
// own Uuid.randomUuid skips those too).
func newClusterID() string {
	for {
		b := make([]byte, 16)
		rand.Read(b)
		if id := base64.RawURLEncoding.EncodeToString(b); id[0] != '-' {
			return id
		}
	}
}

// plan picks the proxy addresses and asks the runtime for the node plans.
func (c *Cluster) plan(ctx context.Context) error {
	ports, err := freeport.Pick(len(c.ids))
	if err != nil {
		return fmt.Errorf("proxy ports: %w", err)
	}
	c.addrs = map[int32]string{}
	specs := make([]NodeSpec, len(c.ids))
	for i, id := range c.ids {
		c.addrs[id] = freeport.HostPort(ports[i])
		specs[i] = NodeSpec{
			ID: id, Controller: slices.Contains(c.cfg.Controllers, id),
			ClientAdvertised: c.addrs[id], ClusterID: c.clusterID,
			Overrides: maps.Clone(c.cfg.BrokerConfig), Features: maps.Clone(c.cfg.Features),
			ClusterSize: len(c.ids),
		}
	}
	plans, err := c.rt.Plan(ctx, specs)
	if err != nil {
		return err
	}
	c.plans = map[int32]NodePlan{}
	for _, p := range plans {
		c.plans[p.ID] = p
	}
	if len(c.plans) != len(c.ids) {
		return fmt.Errorf("runtime planned %d nodes, want %d", len(c.plans), len(c.ids))
	}
	return nil
}

func (c *Cluster) planList() []NodePlan {
	out := make([]NodePlan, 0, len(c.ids))
	for _, id := range c.ids {
		out = append(out, c.plans[id])
	}
	return out
}

// startAll starts every node at once: KRaft voters need each other to form
// a quorum before any broker can register.
func (c *Cluster) startAll(ctx context.Context) error {
	errs := make([]error, len(c.ids))
	var wg sync.WaitGroup
	for i, id := range c.ids {
		wg.Go(func() { errs[i] = c.rt.StartNode(ctx, id) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Bootstrap returns the proxy addresses clients should use, in node order.
func (c *Cluster) Bootstrap() []string {
	out := make([]string, 0, len(c.ids))
	for _, id := range c.ids {
		out = append(out, c.addrs[id])
	}
	return out
}

// Conn is how clients reach the cluster: through its proxies, with its
// TLS and SASL.
func (c *Cluster) Conn() kafkaconn.Conn {
	if c.conn != nil {
		return *c.conn
	}
	return kafkaconn.Local(c.Bootstrap())
}

// Addr returns the proxy address of node id ("" if unknown).
func (c *Cluster) Addr(id int32) string { return c.addrs[id] }

// NodeIDs returns the node ids, ascending.
func (c *Cluster) NodeIDs() []int32 { return slices.Clone(c.ids) }

// ClusterID is the KRaft cluster id the nodes were formatted with.
func (c *Cluster) ClusterID() string { return c.clusterID }

// Proxy returns node id's toxiproxy proxy (nil if unknown). Stop disables it
// and drops open connections; Toxics adds latency and the like.
func (c *Cluster) Proxy(id int32) *toxiproxy.Proxy { return c.proxies[id] }

// NodeConfigs returns every node's effective server.properties.
func (c *Cluster) NodeConfigs() map[int32]map[string]string {
	out := map[int32]map[string]string{}
	for id, p := range c.plans {
		out[id] = maps.Clone(p.Properties)
	}
	return out
}

// KafkaVersion is the Kafka version the nodes run.
func (c *Cluster) KafkaVersion() string { return c.rt.KafkaVersion() }

// Runtime names the runtime running the nodes, e.g. "process".
func (c *Cluster) Runtime() string { return c.rt.Name() }

// ReadyIn is how long Start took until the cluster served.
func (c *Cluster) ReadyIn() time.Duration { return c.readyIn }

// State reports node id's lifecycle state.
func (c *Cluster) State(id int32) (NodeState, error) { return c.rt.State(id) }

// LogTail returns the last n lines of node id's logs.
func (c *Cluster) LogTail(id int32, n int) string { return c.rt.LogTail(id, n) }

// Kill SIGKILLs node id and waits for it to exit.
func (c *Cluster) Kill(ctx context.Context, id int32) error { return c.rt.KillNode(ctx, id) }

// Stop stops node id gracefully and waits for it to exit.
func (c *Cluster) Stop(ctx context.Context, id int32) error { return c.rt.StopNode(ctx, id) }

// Pause freezes node id (SIGSTOP); its connections stay open but silent.
func (c *Cluster) Pause(ctx context.Context, id int32) error { return c.rt.PauseNode(ctx, id) }

// Resume thaws a paused node id.
func (c *Cluster) Resume(ctx context.Context, id int32) error { return c.rt.ResumeNode(ctx, id) }

// Start starts a stopped or killed node id on its old ports and data, and
// waits (up to ReadyTimeout) until broker metadata fetched through the
// proxies lists it again.
func (c *Cluster) Start(ctx context.Context, id int32) error {
	if err := c.rt.StartNode(ctx, id); err != nil {
		return err
	}
	return c.waitReady(ctx, []int32{id}, false)
}

// ErrCannotIsolate is wrapped by Isolate and Rejoin when the runtime is not
// a Partitioner.
var ErrCannotIsolate = errors.New("cannot isolate a broker; use --runtime docker")

// Isolate cuts node id off from its peers (see Partitioner): the others
// fence it out after the broker session timeout, while clients still reach
// it through its proxy.
func (c *Cluster) Isolate(ctx context.Context, id int32) error {
	p, err := c.partitioner()
	if err != nil {
		return fmt.Errorf("isolate node %d: %w", id, err)
	}
	return p.IsolateNode(ctx, id)
}

// Rejoin reconnects an isolated node id to its peers and, when it runs,
// waits (up to ReadyTimeout) until every other running node's metadata
// lists it again.
func (c *Cluster) Rejoin(ctx context.Context, id int32) error {
	p, err := c.partitioner()
	if err != nil {
		return fmt.Errorf("rejoin node %d: %w", id, err)
	}
	if err := p.RejoinNode(ctx, id); err != nil {
		return err
	}
	if st, _ := c.rt.State(id); st != StateRunning {
		return nil // a stopped or paused node cannot be listed yet
	}
	if err := c.waitListedByPeers(ctx, id); err != nil {
		return err
	}
	return c.waitReady(ctx, []int32{id}, false)
}

func (c *Cluster) partitioner() (Partitioner, error) {
	if p, ok := c.rt.(Partitioner); ok {
		return p, nil
	}
	return nil, fmt.Errorf("the %s runtime %w", c.rt.Name(), ErrCannotIsolate)
}

// Restart is Stop then Start.
func (c *Cluster) Restart(ctx context.Context, id int32) error {
	if err := c.Stop(ctx, id); err != nil {
		return err
	}
	return c.Start(ctx, id)
}

// WaitReady waits until broker metadata fetched through the proxies lists
// every node and every node whose proxy is enabled answers through it.
func (c *Cluster) WaitReady(ctx context.Context) error {
	return c.waitReady(ctx, c.ids, false)
}

// Close stops the proxies and the runtime, which removes the nodes' data.
// It is idempotent and safe to call concurrently, e.g. from a signal
// handler: later calls wait for the first and return its result.
func (c *Cluster) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		if c.srv != nil {
			c.srv.Collection.Clear()
		}
		c.closeErr = c.rt.Close(ctx)
	})
	return c.closeErr
}
