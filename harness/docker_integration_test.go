package harness

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testImage returns the image docker tests run (CHAOSRUN_IMAGE, default
// the offline image), or skips when docker cannot run it here.
func testImage(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Kafka containers; skipped with -short")
	}
	image := cmpOr(os.Getenv("CHAOSRUN_IMAGE"), "chaosrun/kafka:"+DefaultKafkaVersion)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if ok, why := DockerAvailable(ctx, image); !ok {
		t.Skipf("docker runtime cannot run here: %s (build the image with `chaosrun image build`, or set CHAOSRUN_IMAGE)", why)
	}
	return image
}

func TestDockerClusterIntegration(t *testing.T) {
	image := testImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	rt, err := NewDockerRuntime(ctx, DockerOptions{Image: image, Root: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeDockerRun(t, rt.RunID()) })
	c, err := Start(ctx, rt, Config{
		Logf:         t.Logf,
		BrokerConfig: map[string]string{"num.partitions": "2"},
		Features:     map[string]int{"eligible.leader.replicas.version": 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	t.Logf("3-node docker cluster ready in %s (Kafka %s, image %s, bootstrap %v)", c.ReadyIn(), c.KafkaVersion(), image, c.Bootstrap())
	if c.Runtime() != "docker" {
		t.Errorf("runtime %q", c.Runtime())
	}

	t.Run("config and features", func(t *testing.T) { configAndFeatures(ctx, t, c) })
	t.Run("produce and consume", func(t *testing.T) { produceConsume(ctx, t, c) })
	t.Run("kill and restart", func(t *testing.T) { killRestart(ctx, t, c) })
	t.Run("invalid transitions", func(t *testing.T) { invalidTransitions(ctx, t, c) })
	t.Run("pause and resume", func(t *testing.T) { pauseResume(ctx, t, c) })
	t.Run("disabled proxy", func(t *testing.T) { disabledProxy(ctx, t, c) })
	t.Run("paused node killed and stopped", func(t *testing.T) { pausedStopKill(ctx, t, c) })
	t.Run("unexpected exit", func(t *testing.T) { unexpectedExit(ctx, t, c, rt) })
	t.Run("isolate and rejoin", func(t *testing.T) { isolateRejoin(ctx, t, c) })
	t.Run("log tail", func(t *testing.T) { logTail(t, c) })

	runDir := rt.RunDir()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if left := dockerRunResources(t, rt.RunID()); len(left) > 0 {
		t.Errorf("left after Close: %v", left)
	}
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Errorf("run dir %s left after Close: %v", runDir, err)
	}
}

// pausedStopKill ends paused nodes both ways; both come back.
func pausedStopKill(ctx context.Context, t *testing.T, c *Cluster) {
	for id, end := range map[int32]func(context.Context, int32) error{2: c.Kill, 3: c.Stop} {
		if err := c.Pause(ctx, id); err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		if err := end(ctx, id); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(begin); took > 20*time.Second {
			t.Errorf("ending paused node %d took %s: SIGTERM waited for the stop timeout", id, took)
		}
		if st, _ := c.State(id); st != StateStopped {
			t.Errorf("node %d state %s, want stopped", id, st)
		}
		if err := c.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	assertBrokers(ctx, t, c.Bootstrap(), 3)
}

// unexpectedExit kills node 1's container behind the runtime's back: the
// node shows as exited with its status, and starts again.
func unexpectedExit(ctx context.Context, t *testing.T, c *Cluster, rt *DockerRuntime) {
	n := rt.nodes[1]
	if _, err := rt.cli.ContainerKill(ctx, n.containerID, client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st, _ := c.State(1); st == StateExited {
			break
		}
	}
	err := c.Stop(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), "node is exited (exit code 137)") {
		t.Errorf("stop an exited node: err = %v", err)
	}
	if err := c.Start(ctx, 1); err != nil {
		t.Fatal(err)
	}
	assertBrokers(ctx, t, c.Bootstrap(), 3)
}

// isolateRejoin cuts node 3 off its peers: the other two fence it and keep
// serving acks=all writes, clients still reach it through its proxy, and it
// comes back on rejoin.
func isolateRejoin(ctx context.Context, t *testing.T, c *Cluster) {
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
func logTail(t *testing.T, c *Cluster) {
	all := c.LogTail(2, 100000)
	if n := strings.Count(all, "started (kafka.server.KafkaRaftServer)"); n < 2 {
		t.Errorf("node 2 log shows %d server starts, want 2 or more:\n%s", n, tail(all, 30))
	}
	if lines := strings.Split(c.LogTail(2, 3), "\n"); len(lines) != 4 { // header + 3
		t.Errorf("LogTail(2, 3) gave %d lines: %q", len(lines), lines)
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
		_, ids, err = brokerMetadata(mctx, cl)
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

func TestCrashedDockerRunIsCleaned(t *testing.T) {
	image := testImage(t)
	root := t.TempDir()
	cmd := helperCmd("dockercluster", []string{"CHAOSRUN_HELPER_IMAGE=" + image, "CHAOSRUN_HELPER_ROOT=" + root})
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	runID, runDir := awaitReady(t, out)
	t.Cleanup(func() { removeDockerRun(t, runID) })

	cmd.Process.Kill() // the run dies without closing anything
	cmd.Wait()
	before := dockerRunResources(t, runID)
	if len(before) == 0 {
		t.Fatal("nothing outlived the crashed run: nothing left to clean")
	}
	t.Logf("left by the crashed run: %v", before)
	removed, err := CleanLeftovers(root, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range before {
		if !slices.Contains(removed, want) {
			t.Errorf("removed %v, want %q among them", removed, want)
		}
	}
	if left := dockerRunResources(t, runID); len(left) > 0 {
		t.Errorf("left after cleanup: %v", left)
	}
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Errorf("crashed run dir %s left: %v", runDir, err)
	}
}

func TestDockerStartFailureTearsDown(t *testing.T) {
	image := testImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rt, err := NewDockerRuntime(ctx, DockerOptions{Image: image, Root: t.TempDir(), JavaOpts: []string{"-XX:+NoSuchFlag"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeDockerRun(t, rt.RunID()) })
	_, err = Start(ctx, rt, Config{Nodes: 1})
	if err == nil || !strings.Contains(err.Error(), "exited while starting") || !strings.Contains(err.Error(), "NoSuchFlag") {
		t.Errorf("err = %v, want an exit with the log tail naming the bad flag", err)
	}
	if left := dockerRunResources(t, rt.RunID()); len(left) > 0 {
		t.Errorf("left after failed Start: %v", left)
	}
}

// dockerRunResources lists run id's containers and networks as
// CleanLeftovers names them.
func dockerRunResources(t *testing.T, id string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := NewDockerClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	var out []string
	for _, list := range []func(context.Context, *dockerClient, string) ([]leftover, error){listContainers, listNetworks} {
		items, err := list(ctx, cli, labelRun+"="+id)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			out = append(out, it.String())
		}
	}
	return out
}

// removeDockerRun removes whatever a failed test left of run id.
func removeDockerRun(t *testing.T, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, err := NewDockerClient(ctx)
	if err != nil {
		return
	}
	defer cli.Close()
	all := func(map[string]string) bool { return true }
	if removed, err := removeLeftovers(ctx, cli, labelRun+"="+id, all, t.Logf); err != nil || len(removed) > 0 {
		t.Logf("removed leftovers of run %s: %v (%v)", id, removed, err)
	}
}
