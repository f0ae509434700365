package harness

import "context"

// Runtime runs the broker nodes of one cluster: package harness/process
// as local JVMs, harness/docker as containers, harness/external through
// the user's hooks. Node ids are the ids passed to Plan. What only some
// runtimes can do are extra interfaces the Cluster asks for: Partitioner,
// HookRunner.
type Runtime interface {
	// Name identifies the runtime, e.g. "process".
	Name() string
	// KafkaVersion is the Kafka version the nodes run.
	KafkaVersion() string
	// Plan fixes every node's addresses and server properties before
	// anything starts. It may be called once. It returns, per node in the
	// order given, the upstream address the node's proxy forwards to.
	Plan(ctx context.Context, nodes []NodeSpec) ([]NodePlan, error)
	// StartNode starts a planned or stopped node without waiting for it to
	// serve. The first start formats storage; later starts reuse the data
	// and the same ports.
	StartNode(ctx context.Context, id int32) error
	// StopNode stops a running or paused node gracefully (SIGTERM) and waits
	// for it to exit, killing it after a timeout.
	StopNode(ctx context.Context, id int32) error
	// KillNode kills a running or paused node (SIGKILL) and waits for it to
	// exit.
	KillNode(ctx context.Context, id int32) error
	// PauseNode freezes a running node (SIGSTOP).
	PauseNode(ctx context.Context, id int32) error
	// ResumeNode thaws a paused node (SIGCONT).
	ResumeNode(ctx context.Context, id int32) error
	// State reports a node's lifecycle state.
	State(id int32) (NodeState, error)
	// LogTail returns up to the last n lines of the node's logs, for errors.
	LogTail(id int32, n int) string
	// Close stops every node and removes all data. It is idempotent.
	Close(ctx context.Context) error
}

// NodeSpec is what the cluster asks of the runtime for one node.
type NodeSpec struct {
	ID int32
	// Controller makes the node a KRaft voter (combined broker+controller);
	// otherwise it is broker-only.
	Controller bool
	// ClientAdvertised is the host:port clients use for this node: its proxy
	// listen address, advertised on the CLIENT listener.
	ClientAdvertised string
	// ClusterID is the KRaft cluster id every node is formatted with.
	ClusterID string
	// Overrides are server.properties entries that replace the defaults.
	// They never contain reserved keys (see ValidateBrokerConfig).
	Overrides map[string]string
	// Features are storage format --feature overrides (name → level).
	Features map[string]int
	// ClusterSize is the number of nodes in the cluster; it sizes internal
	// topic replication defaults.
	ClusterSize int
}

// NodePlan is the runtime's answer for one node.
type NodePlan struct {
	ID int32
	// Upstream is where this process reaches the node's CLIENT listener;
	// the node's proxy forwards to it.
	Upstream string
	// Properties is the node's exact effective server.properties.
	Properties map[string]string
}

// NodeState is a node's lifecycle state as its runtime tracks it.
type NodeState string

// Node states. Exited means the node ended without being asked to.
const (
	StatePlanned  NodeState = "planned"
	StateStarting NodeState = "starting"
	StateRunning  NodeState = "running"
	StatePaused   NodeState = "paused"
	StateStopping NodeState = "stopping"
	StateStopped  NodeState = "stopped"
	StateExited   NodeState = "exited"
)

// Partitioner is implemented by runtimes that can cut a node off the
// network its peers use (the docker runtime; a local JVM shares the host's
// network and cannot be cut off). Clients keep reaching an isolated node
// through its proxy: the partition is between brokers and controllers only.
type Partitioner interface {
	// IsolateNode cuts node id off from every other node: replication,
	// controller quorum and broker heartbeats stop in both directions.
	IsolateNode(ctx context.Context, id int32) error
	// RejoinNode reconnects an isolated node to its peers.
	RejoinNode(ctx context.Context, id int32) error
}
