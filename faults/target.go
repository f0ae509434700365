package faults

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Target says what a fault hits. Exactly one field is set; leader and
// follower are resolved when the fault is injected, not when the run starts.
type Target struct {
	Node     int32           `yaml:"node"`
	Leader   *TopicPartition `yaml:"leader"`   // that partition's leader at inject time
	Follower *TopicPartition `yaml:"follower"` // its first replica that is not the leader
	Random   bool            `yaml:"random"`   // a seeded random broker
	All      bool            `yaml:"all"`      // every broker (network faults), every member (consumer-stop)
	Consumer *int            `yaml:"consumer"` // a consumer instance index (consumer faults only)
	Service  string          `yaml:"service"`  // a service the run started, behind its own proxy (network faults only)
	// Coordinator is a transactional.id as a producer uses it (with its
	// index: "orders-tx-0"): the broker coordinating its transactions.
	Coordinator string `yaml:"coordinator"`
}

// Kind names which form the target has, "" when none is set.
func (t Target) Kind() string {
	var kinds []string
	if t.Node != 0 {
		kinds = append(kinds, "node")
	}
	if t.Leader != nil {
		kinds = append(kinds, "leader")
	}
	if t.Follower != nil {
		kinds = append(kinds, "follower")
	}
	if t.Random {
		kinds = append(kinds, "random")
	}
	if t.All {
		kinds = append(kinds, "all")
	}
	if t.Consumer != nil {
		kinds = append(kinds, "consumer")
	}
	if t.Service != "" {
		kinds = append(kinds, "service")
	}
	if t.Coordinator != "" {
		kinds = append(kinds, "coordinator")
	}
	return strings.Join(kinds, "+")
}

// ValidateTarget checks that t has exactly one form and that f accepts it;
// the problem is at "target".
func ValidateTarget(f Fault, t Target) problem.List {
	if err := checkTarget(f, t); err != nil {
		return problem.List{{Field: "target", Msg: err.Error()}}
	}
	return nil
}

func checkTarget(f Fault, t Target) error {
	kind := t.Kind()
	allowed := TargetKinds(f)
	if len(allowed) == 0 {
		if kind != "" {
			return fmt.Errorf("this fault takes no target")
		}
		return nil
	}
	if kind == "" || strings.Contains(kind, "+") {
		return fmt.Errorf("need exactly one of %s", strings.Join(allowed, ", "))
	}
	for _, a := range allowed {
		if a == kind {
			return checkTargetValue(t)
		}
	}
	return fmt.Errorf("%s is not a target for this fault (want one of %s)", kind, strings.Join(allowed, ", "))
}

func checkTargetValue(t Target) error {
	if t.Node < 0 {
		return fmt.Errorf("node ids are positive")
	}
	if t.Consumer != nil && *t.Consumer < 0 {
		return fmt.Errorf("consumer instances are numbered from 0")
	}
	if t.Service != "" && !slices.Contains(Services, t.Service) {
		return fmt.Errorf("unknown service %q (known: %s)", t.Service, strings.Join(Services, ", "))
	}
	return nil
}

// Services are the services a run may start behind a proxy of their own.
var Services = []string{OrderService, KitchenDB}

// OrderService is the order system's query service the kitchen display calls.
const OrderService = "order-service"

// KitchenDB is the kitchen display's database when it is a server
// (sink: {type: postgres}).
const KitchenDB = "kitchen-db"

// TopicPartition names one partition, written "topic/partition".
type TopicPartition struct {
	Topic     string
	Partition int32
}

// ParseTopicPartition reads "topic/partition"; the topic may hold slashes.
func ParseTopicPartition(s string) (TopicPartition, error) {
	i := strings.LastIndexByte(s, '/')
	if i <= 0 {
		return TopicPartition{}, fmt.Errorf("%q: want topic/partition, e.g. orders/0", s)
	}
	p, err := strconv.ParseInt(s[i+1:], 10, 32)
	if err != nil || p < 0 {
		return TopicPartition{}, fmt.Errorf("%q: bad partition number", s)
	}
	return TopicPartition{s[:i], int32(p)}, nil
}

// UnmarshalText lets scenario decoding parse the target once.
func (tp *TopicPartition) UnmarshalText(b []byte) error {
	v, err := ParseTopicPartition(string(b))
	*tp = v
	return err
}

// MarshalText writes "topic/partition".
func (tp TopicPartition) MarshalText() ([]byte, error) { return []byte(tp.String()), nil }

func (tp TopicPartition) String() string { return fmt.Sprintf("%s/%d", tp.Topic, tp.Partition) }

// brokers resolves t to node ids at inject time.
func (t Target) brokers(ctx context.Context, env *Env) ([]int32, error) {
	switch {
	case t.Node != 0:
		for _, id := range env.Brokers.NodeIDs() {
			if id == t.Node {
				return []int32{id}, nil
			}
		}
		return nil, fmt.Errorf("no node %d (nodes: %v)", t.Node, env.Brokers.NodeIDs())
	case t.All:
		return env.Brokers.NodeIDs(), nil
	case t.Random:
		ids := env.Brokers.NodeIDs()
		return []int32{ids[env.Rand.IntN(len(ids))]}, nil
	case t.Leader != nil:
		id, err := replicaOf(ctx, env, *t.Leader, true)
		return []int32{id}, err
	case t.Follower != nil:
		id, err := replicaOf(ctx, env, *t.Follower, false)
		return []int32{id}, err
	case t.Coordinator != "":
		id, err := txnCoordinator(ctx, env, t.Coordinator)
		return []int32{id}, err
	}
	return nil, fmt.Errorf("no broker target")
}

// txnCoordinator finds the broker coordinating transactional id's transactions.
func txnCoordinator(ctx context.Context, env *Env, id string) (int32, error) {
	resp, ok := env.Admin.FindTxnCoordinators(ctx, id)[id]
	switch {
	case !ok:
		return 0, fmt.Errorf("no answer for the coordinator of transactional id %q", id)
	case resp.Err != nil:
		return 0, fmt.Errorf("coordinator of transactional id %q: %w", id, resp.Err)
	}
	return resp.NodeID, nil
}

// replicaOf finds the leader, or the first non-leader replica, of topic/partition.
func replicaOf(ctx context.Context, env *Env, tp TopicPartition, leader bool) (int32, error) {
	topic, part := tp.Topic, tp.Partition
	md, err := env.Admin.Metadata(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("metadata for %s: %w", tp, err)
	}
	pd, ok := md.Topics[topic].Partitions[part]
	if !ok {
		return 0, fmt.Errorf("%s: no such partition", tp)
	}
	if pd.Err != nil {
		return 0, fmt.Errorf("%s: %w", tp, pd.Err)
	}
	if leader {
		if pd.Leader < 0 {
			return 0, fmt.Errorf("%s has no leader now", tp)
		}
		return pd.Leader, nil
	}
	for _, r := range pd.Replicas {
		if r != pd.Leader {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%s has no follower (replicas %v)", tp, pd.Replicas)
}

func describe(ids []int32) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "node " + strconv.Itoa(int(id))
	}
	return strings.Join(parts, ", ")
}

// Retopic is t with leader and follower targets on topic from moved to to
// (a run that renames its topic).
func (t Target) Retopic(from, to string) Target {
	move := func(tp *TopicPartition) *TopicPartition {
		if tp == nil || tp.Topic != from {
			return tp
		}
		cp := *tp
		cp.Topic = to
		return &cp
	}
	t.Leader, t.Follower = move(t.Leader), move(t.Follower)
	return t
}
