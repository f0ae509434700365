package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// waitReady polls until metadata fetched through the proxies lists every id
// and each id answers through its own proxy (all of them when strict, else
// only those whose proxy is enabled). A node that exits fails it at once.
func (c *Cluster) waitReady(ctx context.Context, ids []int32, strict bool) error {
	var missing []int32
	var last error
	return c.poll(ctx, func(ctx context.Context, cl *kgo.Client) (bool, error) {
		if err := c.exitedNodes(ids); err != nil {
			return false, err
		}
		missing, last = c.probe(ctx, cl, ids, strict)
		return len(missing) == 0, nil
	}, func(waited time.Duration) error { return c.notReady(missing, waited, last) })
}

// poll calls try every 250 ms, with a client of its own, until it is done
// or fails; at the ready timeout, expired says why it never was.
func (c *Cluster) poll(ctx context.Context, try func(context.Context, *kgo.Client) (done bool, err error),
	expired func(waited time.Duration) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ReadyTimeout)
	defer cancel()
	cl, err := c.readyClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	begin := time.Now()
	for {
		if done, err := try(ctx, cl); done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return expired(time.Since(begin))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// probe returns the ids not yet serving and the last error seen.
func (c *Cluster) probe(ctx context.Context, cl *kgo.Client, ids []int32, strict bool) ([]int32, error) {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	clusterID, listed, err := brokerMetadata(actx, cl)
	if err != nil {
		return ids, err
	}
	if clusterID != c.clusterID {
		return ids, fmt.Errorf("metadata from cluster %q, want %q", clusterID, c.clusterID)
	}
	var missing []int32
	var last error
	for _, id := range ids {
		if !slices.Contains(listed, id) {
			missing, last = append(missing, id), fmt.Errorf("brokers listed %v, want %v", listed, ids)
			continue
		}
		if !strict && !proxyEnabled(c.proxies[id]) {
			continue
		}
		if _, err := cl.Broker(int(id)).Request(actx, kmsg.NewPtrApiVersionsRequest()); err != nil {
			missing, last = append(missing, id), fmt.Errorf("node %d via %s: %w", id, c.addrs[id], err)
		}
	}
	return missing, last
}

// waitListedByPeers polls until metadata from every other running node
// whose proxy is enabled lists id. A rejoined node's own metadata still
// lists it from before the partition, so asking any broker proves nothing.
func (c *Cluster) waitListedByPeers(ctx context.Context, id int32) error {
	var last error
	return c.poll(ctx, func(ctx context.Context, cl *kgo.Client) (bool, error) {
		last = c.peersNotListing(ctx, cl, id)
		return last == nil, nil
	}, func(waited time.Duration) error {
		return fmt.Errorf("node %d not listed by its peers after %s (last: %v)", id, waited.Round(time.Second), last)
	})
}

// peersNotListing returns why some peer's metadata does not list id yet,
// nil when every peer's does.
func (c *Cluster) peersNotListing(ctx context.Context, cl *kgo.Client, id int32) error {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, _, err := brokerMetadata(actx, cl); err != nil { // loads the broker addresses
		return err
	}
	for _, p := range c.ids {
		if st, _ := c.rt.State(p); p == id || st != StateRunning || !proxyEnabled(c.proxies[p]) {
			continue
		}
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{}
		resp, err := cl.Broker(int(p)).Request(actx, req)
		if err != nil {
			return fmt.Errorf("metadata from node %d: %w", p, err)
		}
		if !slices.ContainsFunc(resp.(*kmsg.MetadataResponse).Brokers, func(b kmsg.MetadataResponseBroker) bool { return b.NodeID == id }) {
			return fmt.Errorf("node %d does not list node %d yet", p, id)
		}
	}
	return nil
}

// brokerMetadata asks a broker directly for the cluster id and the live
// broker ids. kadm's BrokerMetadata would answer from the client's cached
// broker list, which never shows a broker that came back.
func brokerMetadata(ctx context.Context, cl *kgo.Client) (string, []int32, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // none, not all
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return "", nil, fmt.Errorf("metadata: %w", err)
	}
	ids := make([]int32, 0, len(resp.Brokers))
	for _, b := range resp.Brokers {
		ids = append(ids, b.NodeID)
	}
	slices.Sort(ids)
	var clusterID string
	if resp.ClusterID != nil {
		clusterID = *resp.ClusterID
	}
	return clusterID, ids, nil
}

// exitedNodes fails when a node the wait is for has died.
func (c *Cluster) exitedNodes(ids []int32) error {
	for _, id := range ids {
		if st, err := c.rt.State(id); err != nil {
			return err
		} else if st == StateExited {
			return fmt.Errorf("node %d exited while starting; log tail:\n%s", id, c.rt.LogTail(id, 40))
		}
	}
	return nil
}

// notReady explains a timeout with the tail of each missing node's log.
func (c *Cluster) notReady(missing []int32, waited time.Duration, last error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "nodes %v not serving after %s (last: %v)", missing, waited.Round(time.Second), last)
	for _, id := range missing {
		fmt.Fprintf(&b, "\nnode %d log tail:\n%s", id, c.rt.LogTail(id, 20))
	}
	return fmt.Errorf("%s", b.String())
}

// readyClient is a fresh client through the proxies for readiness polls: a
// long-lived one would answer from its cached broker list.
func (c *Cluster) readyClient() (*kgo.Client, error) {
	cl, err := c.Conn().NewClient(kgo.DialTimeout(2 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("ready check client: %w", err)
	}
	return cl, nil
}
