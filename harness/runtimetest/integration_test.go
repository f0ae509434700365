package runtimetest

import (
	"bufio"
	"context"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/harness/docker"
	"github.com/chaosrun/chaosrun/harness/process"
	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// clusterCheck is one check on a running 3-node cluster. The checks run in
// order on one cluster; each leaves every node serving.
type clusterCheck struct {
	name string
	// only names the one runtime the check applies to; "" is every runtime.
	only string
	run  func(ctx context.Context, t *testing.T, c *harness.Cluster, rt harness.Runtime)
}

var clusterChecks = []clusterCheck{
	{name: "config and features", run: configAndFeatures},
	{name: "produce and consume", run: produceConsume},
	{name: "kill and restart", run: killRestart},
	{name: "invalid transitions", run: invalidTransitions},
	{name: "pause and resume", run: pauseResume},
	{name: "disabled proxy", run: disabledProxy},
	{name: "paused node killed and stopped", run: pausedStopKill},
	{name: "unexpected exit", run: unexpectedExit},
	{name: "isolate and rejoin", only: "docker", run: isolateRejoin},
	{name: "log tail", only: "docker", run: logTail},
}

func TestClusterIntegration(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, it itRuntime) {
		ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
		defer cancel()
		rt, err := it.open(ctx, itOptions{root: t.TempDir(), logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { it.remove(t, rt.RunID()) })
		c, err := harness.Start(ctx, rt, harness.Config{
			Logf:         t.Logf,
			BrokerConfig: map[string]string{"num.partitions": "2"},
			Features:     map[string]int{"eligible.leader.replicas.version": 0},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		t.Logf("3-node %s cluster ready in %s (Kafka %s, bootstrap %v)", c.Runtime(), c.ReadyIn(), c.KafkaVersion(), c.Bootstrap())
		if c.Runtime() != it.name() {
			t.Errorf("runtime %q", c.Runtime())
		}
		for _, check := range clusterChecks {
			t.Run(check.name, func(t *testing.T) {
				if check.only != "" && check.only != it.name() {
					t.Skipf("%s runtime only", check.only)
				}
				check.run(ctx, t, c, rt)
			})
		}
		closeLeavesNothing(ctx, t, c, it, rt)
	})
}

// closeLeavesNothing closes c twice and checks nothing of the run is left.
func closeLeavesNothing(ctx context.Context, t *testing.T, c *harness.Cluster, it itRuntime, rt itRun) {
	runDir := rt.RunDir()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if left := it.left(t, rt.RunID()); len(left) > 0 {
		t.Errorf("left after Close: %v", left)
	}
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Errorf("run dir %s left after Close: %v", runDir, err)
	}
}

func configAndFeatures(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	for id, p := range c.NodeConfigs() {
		if p["num.partitions"] != "2" || !strings.HasPrefix(p["advertised.listeners"], "CLIENT://"+c.Addr(id)+",") {
			t.Errorf("node %d config: %v", id, p)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]int16{}
	for _, f := range resp.FinalizedFeatures {
		levels[f.Name] = f.MaxVersionLevel
	}
	if levels["metadata.version"] == 0 || levels["eligible.leader.replicas.version"] != 0 {
		t.Errorf("finalized features %v, want metadata.version set and eligible.leader.replicas.version 0", levels)
	}
}

func produceConsume(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	const topic, count = "harness-it", 10
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap()...), kgo.DefaultProduceTopic(topic),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 3, 3, nil, topic); err != nil {
		t.Fatal(err)
	}
	for i := range count {
		r := &kgo.Record{Key: []byte{byte(i)}, Value: []byte("v")}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
	}
	got := 0
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for got < count && pctx.Err() == nil {
		fs := cl.PollFetches(pctx)
		for _, e := range fs.Errors() {
			if pctx.Err() == nil {
				t.Logf("fetch: %v", e.Err)
			}
		}
		got += fs.NumRecords()
	}
	if got != count {
		t.Fatalf("consumed %d records, want %d", got, count)
	}
}

func killRestart(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	if err := c.Kill(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.State(2); st != harness.StateStopped {
		t.Errorf("state after kill = %s", st)
	}
	begin := time.Now()
	if err := c.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed node back in %s", time.Since(begin))
	assertBrokers(ctx, t, c.Bootstrap(), 3)
	begin = time.Now()
	if err := c.Restart(ctx, 3); err != nil {
		t.Fatal(err)
	}
	t.Logf("graceful restart took %s", time.Since(begin))
	assertBrokers(ctx, t, c.Bootstrap(), 3)
}

func invalidTransitions(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	for name, op := range map[string]func(context.Context, int32) error{
		"resume running": c.Resume, "start running": c.Start,
	} {
		if err := op(ctx, 1); err == nil || !strings.Contains(err.Error(), "node is running") {
			t.Errorf("%s: err = %v, want it to say the node is running", name, err)
		}
	}
	if err := c.Kill(ctx, 9); err == nil || !strings.Contains(err.Error(), "unknown node 9") {
		t.Errorf("kill unknown node: err = %v", err)
	}
}

func pauseResume(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	if err := c.Pause(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Pause(ctx, 3); err == nil {
		t.Error("pausing a paused node succeeded")
	}
	if st, _ := c.State(3); st != harness.StatePaused {
		t.Errorf("state after pause = %s", st)
	}
	if err := c.Resume(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	assertBrokers(ctx, t, c.Bootstrap(), 3)
}

func disabledProxy(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
	p := c.Proxy(1)
	p.Stop()
	if conn, err := net.DialTimeout("tcp", c.Addr(1), time.Second); err == nil {
		conn.Close()
		t.Error("dialed a disabled proxy")
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addr(1)))
	if err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err = brokerIDs(mctx, cl)
	cancel()
	cl.Close()
	if err == nil {
		t.Error("metadata through a disabled proxy succeeded")
	}
	assertBrokers(ctx, t, c.Bootstrap()[1:], 3) // the others still serve
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
}

// pausedStopKill ends paused nodes both ways; both come back.
func pausedStopKill(ctx context.Context, t *testing.T, c *harness.Cluster, _ harness.Runtime) {
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
		if st, _ := c.State(id); st != harness.StateStopped {
			t.Errorf("node %d state %s, want stopped", id, st)
		}
		if err := c.Start(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	assertBrokers(ctx, t, c.Bootstrap(), 3)
}

// unexpectedExit kills node 1's broker behind the runtime's back: the node
// shows as exited with its status, and starts again.
func unexpectedExit(ctx context.Context, t *testing.T, c *harness.Cluster, rt harness.Runtime) {
	status := killBehindBack(ctx, t, rt, 1)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if st, _ := c.State(1); st == harness.StateExited {
			break
		}
	}
	err := c.Stop(ctx, 1)
	if want := "node is exited (" + status + ")"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("stop an exited node: err = %v, want it to say %q", err, want)
	}
	if err := c.Start(ctx, 1); err != nil {
		t.Fatal(err)
	}
	assertBrokers(ctx, t, c.Bootstrap(), 3)
}

// killBehindBack SIGKILLs node id's broker without telling its runtime and
// returns the exit status the runtime should report.
func killBehindBack(ctx context.Context, t *testing.T, rt harness.Runtime, id int32) string {
	switch rt := rt.(type) {
	case *process.Runtime:
		if err := syscall.Kill(rt.PID(id), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return "signal: killed"
	case *docker.Runtime:
		killContainer(ctx, t, rt, id)
		return "exit code 137"
	}
	t.Fatalf("no way to kill a %s node behind its back", rt.Name())
	return ""
}

// assertBrokers checks metadata fetched via seeds lists want brokers.
func assertBrokers(ctx context.Context, t *testing.T, seeds []string, want int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	mctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ids, err := brokerIDs(mctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != want {
		t.Fatalf("brokers %v, want %d", ids, want)
	}
}

// TestCrashedRunIsCleaned kills a child that started a cluster: what
// outlives it (JVMs, containers, networks, the run dir) is what the next
// CleanLeftovers removes.
func TestCrashedRunIsCleaned(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, it itRuntime) {
		root := t.TempDir()
		cmd := it.helper(root)
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
		t.Cleanup(func() { it.remove(t, runID) })

		cmd.Process.Kill() // the run dies without closing anything
		cmd.Wait()
		before := it.left(t, runID)
		if len(before) == 0 {
			t.Fatal("nothing outlived the crashed run: nothing left to clean")
		}
		t.Logf("left by the crashed run: %v", before)
		removed, err := runtimes.CleanLeftovers(root, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append(before, runDir) {
			if !slices.Contains(removed, want) {
				t.Errorf("removed %v, want %q among them", removed, want)
			}
		}
		if left := it.left(t, runID); len(left) > 0 {
			t.Errorf("left after cleanup: %v", left)
		}
		if _, err := os.Stat(runDir); !os.IsNotExist(err) {
			t.Errorf("crashed run dir %s left: %v", runDir, err)
		}
	})
}

// awaitReady reads the helper's "READY <id> <dir>" line.
func awaitReady(t *testing.T, out interface{ Read([]byte) (int, error) }) (id, dir string) {
	t.Helper()
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	timeout := time.After(4 * time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("helper exited before the cluster was ready")
			}
			if f := strings.Fields(l); len(f) == 3 && f[0] == "READY" {
				go func() {
					for range lines {
					}
				}()
				return f[1], f[2]
			}
			t.Logf("helper: %s", l)
		case <-timeout:
			t.Fatal("helper cluster not ready in 4 minutes")
		}
	}
}

// TestStartFailuresTearDown: a cluster that cannot start says why, with
// the node's log, and leaves nothing behind.
func TestStartFailuresTearDown(t *testing.T) {
	cases := []struct {
		name     string
		javaOpts []string
		cfg      harness.Config
		want     []string            // in the error on every runtime
		wantOn   map[string][]string // and on one runtime
	}{{
		name: "bad broker config",
		cfg:  harness.Config{Nodes: 1, BrokerConfig: map[string]string{"num.network.threads": "many"}},
		want: []string{"Invalid value many for configuration num.network.threads"},
		wantOn: map[string][]string{
			"process": {"format storage"},        // a JVM of its own
			"docker":  {"exited while starting"}, // the container's launcher
		},
	}, {
		name:     "broker JVM exits",
		javaOpts: []string{"-XX:+NoSuchFlag"},
		cfg:      harness.Config{Nodes: 2},
		want:     []string{"exited while starting", "NoSuchFlag"},
		wantOn:   map[string][]string{"process": {"stdout.log"}},
	}}
	forEachRuntime(t, func(t *testing.T, it itRuntime) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				rt, err := it.open(ctx, itOptions{root: t.TempDir(), javaOpts: tc.javaOpts})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { it.remove(t, rt.RunID()) })
				_, err = harness.Start(ctx, rt, tc.cfg)
				if err == nil {
					t.Fatal("harness.Start succeeded")
				}
				for _, want := range slices.Concat(tc.want, tc.wantOn[it.name()]) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error lacks %q:\n%v", want, err)
					}
				}
				if left := it.left(t, rt.RunID()); len(left) > 0 {
					t.Errorf("left after failed Start: %v", left)
				}
				if _, err := os.Stat(rt.RunDir()); !os.IsNotExist(err) {
					t.Errorf("run dir left after failed Start: %v", err)
				}
			})
		}
	})
}
