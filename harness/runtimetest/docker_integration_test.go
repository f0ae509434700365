package runtimetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/harness/docker"

	"github.com/chaosrun/chaosrun/internal/lines"
	"github.com/moby/moby/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// What only the docker runtime has: its own rows of clusterChecks, and how
// dockerIT finds and removes a run's containers and networks.

// isolateRejoin cuts node 3 off its peers: the other two fence it and keep
// serving acks=all writes, clients still reach it through its proxy, and it
// comes back on rejoin.
func isolateRejoin(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	if err := c.Isolate(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Isolate(ctx, 3); err == nil || !strings.Contains(err.Error(), "already isolated") {
		t.Errorf("second isolate: err = %v", err)
	}
	begin := time.Now()
	waitBrokers(ctx, t, c.Bootstrap()[:2], []int32{1, 2}, time.Minute)
	t.Logf("isolated node fenced out of metadata in %s", time.Since(begin).Round(100*time.Millisecond))
	produceVia(ctx, t, c.Bootstrap()[:2], "isolated-it")
	if err := apiVersionsVia(ctx, c.Addr(3)); err != nil {
		t.Errorf("isolated node not reachable through its proxy: %v", err)
	}
	begin = time.Now()
	if err := c.Rejoin(ctx, 3); err != nil {
		t.Fatal(err)
	}
	t.Logf("rejoined node listed again in %s", time.Since(begin).Round(100*time.Millisecond))
	assertBrokers(ctx, t, c.Bootstrap(), 3)
	if err := c.Rejoin(ctx, 3); err == nil || !strings.Contains(err.Error(), "not isolated") {
		t.Errorf("second rejoin: err = %v", err)
	}
}

// logTail checks node 2's container output: it was killed and started
// again, so its log shows the server starting more than once.
func logTail(_ context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	all := c.LogTail(2, 100000)
	if n := strings.Count(all, "started (kafka.server.KafkaRaftServer)"); n < 2 {
		t.Errorf("node 2 log shows %d server starts, want 2 or more:\n%s", n, lines.Tail(all, 30))
	}
	if lines := strings.Split(c.LogTail(2, 3), "\n"); len(lines) != 4 { // header + 3
		t.Errorf("LogTail(2, 3) gave %d lines: %q", len(lines), lines)
	}
}

// killContainer SIGKILLs node id's container through the daemon, not the
// runtime.
func killContainer(ctx context.Context, t *testing.T, rt *docker.Runtime, id int32) {
	cli, err := docker.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.ContainerKill(ctx, rt.ContainerID(id), client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		t.Fatal(err)
	}
}

// waitBrokers polls metadata via seeds until it lists exactly want.
func waitBrokers(ctx context.Context, t *testing.T, seeds []string, want []int32, limit time.Duration) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var ids []int32
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		mctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ids, err = brokerIDs(mctx, cl)
		cancel()
		if err == nil && slices.Equal(ids, want) {
			return
		}
	}
	t.Fatalf("brokers via %v: %v (last error %v), want %v within %s", seeds, ids, err, want, limit)
}

// produceVia creates topic with RF 3 and writes acks=all records through
// seeds only.
func produceVia(ctx context.Context, t *testing.T, seeds []string, topic string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := kadm.NewClient(cl).CreateTopic(pctx, 2, 2, nil, topic); err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	for i := range 10 {
		if err := cl.ProduceSync(pctx, &kgo.Record{Key: []byte{byte(i)}, Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatalf("produce %d while a node is isolated: %v", i, err)
		}
	}
}

// apiVersionsVia asks the broker behind addr for its API versions.
func apiVersionsVia(ctx context.Context, addr string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = kmsg.NewPtrApiVersionsRequest().RequestWith(actx, cl)
	return err
}

// dockerRunResources lists run id's containers and networks as
// CleanLeftovers names them.
func dockerRunResources(t *testing.T, id string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := docker.RunResources(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// removeDockerRun removes whatever a failed test left of run id.
func removeDockerRun(t *testing.T, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if removed, err := docker.RemoveRun(ctx, id, t.Logf); err != nil || len(removed) > 0 {
		t.Logf("removed leftovers of run %s: %v (%v)", id, removed, err)
	}
}

// brokerIDs asks for the brokers metadata lists, ascending.
func brokerIDs(ctx context.Context, cl *kgo.Client) ([]int32, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // none, not all
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	var ids []int32
	for _, b := range resp.Brokers {
		ids = append(ids, b.NodeID)
	}
	slices.Sort(ids)
	return ids, nil
}
