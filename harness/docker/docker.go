package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/harness"

	"github.com/chaosrun/chaosrun/internal/freeport"
)

// Options configure a Runtime. Every field is optional.
type Options struct {
	// Image runs every node (default "apache/kafka:" + Version). It needs
	// Kafka's jars in ImageLibsDir and java on PATH, as the official image
	// and kafkaimage's have. A missing image is pulled.
	Image string
	// Version is the Kafka version in the image (default: the image's
	// chaosrun.kafka.version label, else harness.DefaultKafkaVersion). It must match
	// that label when both are set.
	Version string
	// The run dir under Root holds only the lock that marks the run alive.
	harness.RunOptions
}

// Runtime runs each node as a container on a local docker daemon,
// created with testcontainers-go. A run has two networks: peers, where
// nodes reach each other by alias node-<id>, and clients, which only
// carries each node's published CLIENT port. Two, so that cutting a node
// off its peers (IsolateNode) keeps its port published: docker moves a
// container's published ports to another network it is on, and unpublishes
// them when it is on none.
type Runtime struct {
	harness.RunBase[*dockerNode] // Close's cancel also ends the exit watchers

	opts    Options
	version string
	cli     *dockerClient
	nets    dockerNets
}

var (
	_ harness.Runtime     = (*Runtime)(nil)
	_ harness.Partitioner = (*Runtime)(nil)
)

// The image contract: what any image must hold for the docker runtime to
// run it (the official image does; so does the one kafkaimage builds). Java
// must be on PATH too. The label is optional: without it the version is
// taken on trust.
const (
	// ImageLibsDir holds Kafka's jars.
	ImageLibsDir = "/opt/kafka/libs"
	// ImageVersionLabel on an image names the Kafka version it holds.
	ImageVersionLabel = "chaosrun.kafka.version"
)

// New prepares a run: it connects to the daemon, makes sure the
// image is there (pulling it if needed), cleans leftovers of dead runs,
// creates and locks this run's dir and creates the run's networks.
func New(ctx context.Context, opts Options) (*Runtime, error) {
	opts = dockerDefaults(opts)
	if err := harness.CheckRunID(opts.RunID).Err(); err != nil {
		return nil, err
	}
	cli, err := NewClient(ctx)
	if err != nil {
		return nil, err
	}
	r, err := newDockerRun(ctx, cli, opts)
	if err != nil {
		cli.Close()
		return nil, err
	}
	return r, nil
}

func dockerDefaults(o Options) Options {
	o.RunOptions = o.RunOptions.WithDefaults()
	if o.Image == "" {
		o.Image = "apache/kafka:" + cmp.Or(o.Version, harness.DefaultKafkaVersion)
	}
	return o
}

func newDockerRun(ctx context.Context, cli *dockerClient, opts Options) (*Runtime, error) {
	if err := ensureImage(ctx, cli, opts.Image, pullTimeout); err != nil {
		return nil, err
	}
	version, err := imageVersion(ctx, cli, opts)
	if err != nil {
		return nil, err
	}
	r := &Runtime{opts: opts, version: version, cli: cli}
	if err := r.Open(opts.Root, opts.RunID, opts.Logf, opts.Clean); err != nil {
		return nil, err
	}
	if r.nets, err = createNets(ctx, cli, r.RunID(), r.RunDir()); err != nil {
		r.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return r, nil
}

// imageVersion reconciles opts.Version with the image's version label.
func imageVersion(ctx context.Context, cli *dockerClient, opts Options) (string, error) {
	labels, err := imageLabels(ctx, cli, opts.Image)
	if err != nil {
		return "", err
	}
	got := labels[ImageVersionLabel]
	switch {
	case got == "":
		return cmp.Or(opts.Version, harness.DefaultKafkaVersion), nil
	case opts.Version != "" && opts.Version != got:
		return "", fmt.Errorf("image %s holds Kafka %s, not %s", opts.Image, got, opts.Version)
	}
	return got, nil
}

// Name returns "docker".
func (r *Runtime) Name() string { return "docker" }

// KafkaVersion is the Kafka version the image holds.
func (r *Runtime) KafkaVersion() string { return r.version }

// Image is the image the nodes run.
func (r *Runtime) Image() string { return r.opts.Image }

// Plan fixes every node's properties and the host port (127.0.0.1) its
// CLIENT listener is published on; nothing is created until StartNode.
func (r *Runtime) Plan(ctx context.Context, specs []harness.NodeSpec) ([]harness.NodePlan, error) {
	return r.PlanNodes(specs, r.layout)
}

// layout picks every node's host port and container name.
func (r *Runtime) layout(specs []harness.NodeSpec) (map[int32]*dockerNode, []harness.NodePlan, error) {
	ports, err := freeport.Pick(len(specs))
	if err != nil {
		return nil, nil, fmt.Errorf("plan: host ports: %w", err)
	}
	addrs := dockerAddrs(specs)
	voters := harness.QuorumVoters(specs, addrs)
	nodes, plans := map[int32]*dockerNode{}, make([]harness.NodePlan, 0, len(specs))
	for i, s := range specs {
		n := &dockerNode{
			id: s.ID, name: fmt.Sprintf("chaosrun-%s-node-%d", r.RunID(), s.ID), hostPort: ports[i],
			clusterID: s.ClusterID, features: s.Features, logf: r.opts.Logf, Lifecycle: harness.NewLifecycle(),
			props: harness.BrokerProperties(s, addrs[s.ID], voters, containerDataDir),
		}
		nodes[s.ID] = n
		plans = append(plans, harness.NodePlan{ID: s.ID, Upstream: freeport.HostPort(n.hostPort), Properties: n.props})
	}
	return nodes, plans, nil
}

// act runs op on node id as do does, with a context Close cancels too:
// docker calls in flight end at once.
func (r *Runtime) act(ctx context.Context, verb string, id int32, op func(context.Context, *dockerNode) error) error {
	return r.Do(verb, id, func(n *dockerNode) error {
		ctx, cancel := r.Bound(ctx)
		defer cancel()
		return op(ctx, n)
	})
}

// StartNode creates and starts the node's container the first time (the
// launcher formats storage), and starts the same container again later:
// same data, same published port.
func (r *Runtime) StartNode(ctx context.Context, id int32) error {
	return r.act(ctx, "start", id, func(ctx context.Context, n *dockerNode) error { return n.start(ctx, r) })
}

// StopNode stops the container gracefully (SIGTERM; unpaused first if
// paused) and waits for it to exit, SIGKILLing after StopTimeout or when
// ctx ends.
func (r *Runtime) StopNode(ctx context.Context, id int32) error {
	return r.act(ctx, "stop", id, func(ctx context.Context, n *dockerNode) error { return n.stop(ctx, r, false) })
}

// KillNode SIGKILLs the container and waits for it to exit.
func (r *Runtime) KillNode(ctx context.Context, id int32) error {
	return r.act(ctx, "kill", id, func(ctx context.Context, n *dockerNode) error { return n.stop(ctx, r, true) })
}

// PauseNode freezes the container (docker pause: the cgroup freezer).
func (r *Runtime) PauseNode(ctx context.Context, id int32) error {
	return r.act(ctx, "pause", id, func(ctx context.Context, n *dockerNode) error { return n.pause(ctx, r) })
}

// ResumeNode thaws a paused container.
func (r *Runtime) ResumeNode(ctx context.Context, id int32) error {
	return r.act(ctx, "resume", id, func(ctx context.Context, n *dockerNode) error { return n.resume(ctx, r) })
}

// State reports the node's lifecycle state.
func (r *Runtime) State(id int32) (harness.NodeState, error) {
	var s harness.NodeState
	err := r.Do("state of", id, func(n *dockerNode) error { s = n.Current(); return nil })
	return s, err
}

// LogTail returns the last n lines of the container's output: the
// launcher, storage format and the broker's log4j (WARN and start/stop).
func (r *Runtime) LogTail(id int32, n int) string {
	node, ok := r.Lookup(id)
	if !ok {
		return fmt.Sprintf("(unknown node %d)", id)
	}
	return node.logTail(r, n)
}

// Close removes every container and network of the run (force: the data is
// discarded anyway), waits for operations in flight, removes the run dir
// and releases its lock. Concurrent and repeated calls wait for the first
// and return its result.
func (r *Runtime) Close(ctx context.Context) error {
	return r.CloseOnce(func() error { return r.close(ctx) })
}

func (r *Runtime) close(ctx context.Context) error {
	// Removal must happen even when ctx is done, e.g. closing on a signal.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	r.Shut((*dockerNode).markClosed)
	r.WaitIdle()
	// By label, not by what this runtime remembers: a create that was cut
	// short may have left a container it never learned the id of.
	_, err := removeLeftovers(ctx, r.cli, labelRun+"="+r.RunID(),
		func(map[string]string) bool { return true }, func(string, ...any) {})
	err = errors.Join(err, r.Release())
	r.cli.Close()
	return err
}

// Kind registers the docker runtime (see package runtimes); its Clean
// removes dead runs' containers and networks when a daemon answers.
var Kind = harness.RuntimeKind{
	Name:      "docker",
	Abilities: []harness.Ability{harness.AbilityKill, harness.AbilityStop, harness.AbilityPause, harness.AbilityIsolate},
	Usable: func(ctx context.Context, o harness.RuntimeOptions) (bool, string) {
		return Available(ctx, o.Image)
	},
	New: func(ctx context.Context, o harness.RuntimeOptions) (harness.Instance, error) {
		return New(ctx, Options{Image: o.Image, RunOptions: harness.RunOptions{RunID: o.RunID, Logf: o.Logf, Clean: o.Clean}})
	},
	Clean: cleanDockerIfAnswering,
}

// cleanDockerIfAnswering removes the containers and networks of dead runs
// (see runIsDead), whatever their root, and returns what it removed as
// "container NAME (run ID)" and "network NAME (run ID)". Without a docker
// daemon it does nothing: such a machine has no containers to clean.
// runtimes.CleanLeftovers calls it (Kind.Clean). Runs are
// judged by their run dir on this machine: a daemon shared with chaosrun
// runs on other machines would see theirs as dead.
func cleanDockerIfAnswering(logf func(string, ...any)) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli, err := NewClient(ctx)
	if err != nil {
		return nil, nil
	}
	defer cli.Close()
	return removeLeftovers(ctx, cli, labelChaosrun+"=1", runIsDead, logf)
}
