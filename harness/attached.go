package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chaosrun/chaosrun/internal/freeport"
	"github.com/chaosrun/chaosrun/kafkaconn"
)

// Adopted is a cluster someone else runs, as the runtime attaching to it
// found it (package harness/external).
type Adopted struct {
	ClusterID string
	// Brokers are each broker's id and where it advertises itself
	// (Upstream), in id order; each gets a proxy.
	Brokers  []NodePlan
	Security kafkaconn.Security
	// ReadyTimeout bounds waiting for a broker to serve again after a
	// start (default DefaultReadyTimeout).
	ReadyTimeout time.Duration
	Logf         func(string, ...any)
	// Began is when attaching began, so ReadyIn counts the search for the
	// brokers too (zero: when Adopt is called).
	Began time.Time
	// Describe, when set, reads each broker's settings through the
	// proxies once they serve; its error fails Adopt.
	Describe func(*Cluster) (map[int32]map[string]string, error)
}

// Adopt puts a proxy on a loopback port in front of every broker of a
// cluster someone else runs and returns the cluster, reached only through
// them. rt acts on the brokers; Close closes rt and the proxies and leaves
// the brokers as they are, and so does a failed Adopt.
func Adopt(rt Runtime, a Adopted) (*Cluster, error) {
	if a.Began.IsZero() {
		a.Began = time.Now()
	}
	c := &Cluster{rt: rt, clusterID: a.ClusterID, plans: map[int32]NodePlan{}, adopted: true}
	c.cfg = Config{ReadyTimeout: a.ReadyTimeout, Logf: OrNop(a.Logf)}
	if c.cfg.ReadyTimeout <= 0 {
		c.cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if err := c.adopt(a); err != nil {
		c.Close(context.Background())
		return nil, err
	}
	c.readyIn = time.Since(a.Began)
	return c, nil
}

func (c *Cluster) adopt(a Adopted) error {
	for _, b := range a.Brokers {
		c.ids = append(c.ids, b.ID)
		c.plans[b.ID] = b
	}
	ports, err := freeport.Pick(len(c.ids))
	if err != nil {
		return fmt.Errorf("proxy ports: %w", err)
	}
	c.addrs = map[int32]string{}
	route := map[string]string{}
	var seeds []string
	for i, id := range c.ids {
		c.addrs[id] = freeport.HostPort(ports[i])
		route[c.plans[id].Upstream] = c.addrs[id]
		seeds = append(seeds, c.plans[id].Upstream)
	}
	// The brokers advertise their own addresses: the route sends each
	// through its proxy.
	c.conn = &kafkaconn.Conn{Seeds: seeds, Route: route, Security: a.Security}
	c.srv = newProxyServer()
	if c.proxies, err = startProxies(c.srv, c.planList(), c.addrs); err != nil {
		return err
	}
	if a.Describe == nil {
		return nil
	}
	configs, err := a.Describe(c)
	if err != nil {
		return err
	}
	for id, props := range configs {
		p := c.plans[id]
		p.Properties = props
		c.plans[id] = p
	}
	return nil
}

// External reports whether the cluster was attached (Adopt) rather than
// started.
func (c *Cluster) External() bool { return c.adopted }

// RunDir is the directory an attached cluster's run keeps its files in
// ("" for a started cluster: its runtime has its own).
func (c *Cluster) RunDir() string {
	if in, ok := c.rt.(Instance); ok && c.adopted {
		return in.RunDir()
	}
	return ""
}

// HookRun is one of the user's hook commands as it ran.
type HookRun struct {
	At      time.Time
	Took    time.Duration
	Action  string // what it did to the node: kill, start...
	Node    int32
	Command string // as rendered
	Output  string // its combined output, the last lines
	Err     string // how it failed: exit status, timeout
}

// HookRunner is implemented by a runtime that acts on nodes through the
// user's hook commands (the external runtime's): Cluster.Hooks asks it.
type HookRunner interface {
	HookRuns() []HookRun
}

// Hooks are the hook commands run so far, in order; none for a cluster
// chaosrun started.
func (c *Cluster) Hooks() []HookRun {
	if h, ok := c.rt.(HookRunner); ok {
		return h.HookRuns()
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
	if err := kerr.ErrorForCode(cmp.Or(resp.ErrorCode, p.ErrorCode)); err != nil {
		return nil, fmt.Errorf("describe quorum: %w", err)
	}
	var ids []int32
	for _, v := range p.CurrentVoters {
		ids = append(ids, v.ReplicaID)
	}
	slices.Sort(ids)
	return ids, nil
}
