package docker

import (
	"context"
	"errors"
	"fmt"

	"github.com/chaosrun/chaosrun/harness"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// dockerNets names a run's two networks.
type dockerNets struct {
	peers   string // replication, controller quorum; nodes have aliases here
	clients string // only carries the published CLIENT ports
}

// createNets creates the run's bridge networks, labelled like its
// containers. On error, whatever was created is left to Close (by label).
func createNets(ctx context.Context, cli *dockerClient, runID, runDir string) (dockerNets, error) {
	nets := dockerNets{peers: "chaosrun-" + runID + "-peers", clients: "chaosrun-" + runID + "-clients"}
	for _, name := range []string{nets.clients, nets.peers} {
		_, err := cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: runLabels(runID, runDir)})
		if err != nil {
			return nets, fmt.Errorf("create network %s: %w", name, err)
		}
	}
	return nets, nil
}

// IsolateNode disconnects the node's container from the peers network: it
// can no longer reach other nodes nor they it, so it stops replicating and
// heartbeating, and the others fence it out after the broker session
// timeout (and elect another controller if it led the quorum). Its CLIENT
// port stays published on the clients network, so clients still connect to
// it through its proxy and get answers from its stale view: it still
// thinks it leads its partitions, so acks=all writes to it wait for
// followers that moved on and time out, while acks=1 writes can be
// accepted and then lost when it rejoins and truncates its log. Clients that refresh metadata
// from the other nodes move to the new leaders. The node must have been
// started once.
func (r *Runtime) IsolateNode(ctx context.Context, id int32) error {
	return r.act(ctx, "isolate", id, func(ctx context.Context, n *dockerNode) error {
		return n.partition(ctx, r, true)
	})
}

// RejoinNode reconnects an isolated node's container to the peers network
// under its alias; the node catches up by itself.
func (r *Runtime) RejoinNode(ctx context.Context, id int32) error {
	return r.act(ctx, "rejoin", id, func(ctx context.Context, n *dockerNode) error {
		return n.partition(ctx, r, false)
	})
}

// partition disconnects (isolate) or reconnects the container.
func (n *dockerNode) partition(ctx context.Context, r *Runtime, isolate bool) error {
	n.Lock()
	cid, was := n.containerID, n.isolated
	switch {
	case n.Closed():
		n.Unlock()
		return harness.ErrClosed
	case cid == "":
		n.Unlock()
		return fmt.Errorf("node is %s: start it before partitioning it", n.State())
	case was == isolate && isolate:
		n.Unlock()
		return errors.New("node is already isolated")
	case was == isolate:
		n.Unlock()
		return errors.New("node is not isolated")
	}
	n.isolated = isolate // claimed now, so concurrent calls cannot both pass
	n.Unlock()
	var err error
	if isolate {
		_, err = r.cli.NetworkDisconnect(ctx, r.nets.peers, client.NetworkDisconnectOptions{Container: cid, Force: true})
		err = wrapIf(err, "disconnect from network %s", r.nets.peers)
	} else {
		_, err = r.cli.NetworkConnect(ctx, r.nets.peers, client.NetworkConnectOptions{
			Container: cid, EndpointConfig: &network.EndpointSettings{Aliases: []string{dockerAlias(n.id)}},
		})
		err = wrapIf(err, "connect to network %s", r.nets.peers)
	}
	if err != nil {
		n.Lock()
		n.isolated = was
		n.Unlock()
	}
	return err
}

// wrapIf prefixes a non-nil err with a formatted context.
func wrapIf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}
