package harness

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testLibs resolves the Kafka jars, or skips when a real cluster can't run.
func testLibs(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Kafka cluster; skipped with -short")
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("java not on PATH: install a Java 17+ runtime to run Kafka")
	}
	if _, err := exec.LookPath("mvn"); err != nil && os.Getenv("KAFKA_HOME") == "" {
		t.Skip("neither mvn on PATH nor KAFKA_HOME set: no way to get the Kafka jars")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	libs, err := KafkaLibs(ctx, DefaultKafkaVersion, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return libs
}

func TestClusterIntegration(t *testing.T) {
	libs := testLibs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	rt, err := NewProcessRuntime(ProcessOptions{LibsDir: libs, Root: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killRun(t, rt.RunID()) })
	c, err := Start(ctx, rt, Config{
		Logf:         t.Logf,
		BrokerConfig: map[string]string{"num.partitions": "2"},
		Features:     map[string]int{"eligible.leader.replicas.version": 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	t.Logf("3-node cluster ready in %s (Kafka %s, bootstrap %v)", c.ReadyIn(), c.KafkaVersion(), c.Bootstrap())

	t.Run("config and features", func(t *testing.T) { configAndFeatures(ctx, t, c) })
	t.Run("produce and consume", func(t *testing.T) { produceConsume(ctx, t, c) })
	t.Run("kill and restart", func(t *testing.T) { killRestart(ctx, t, c) })
	t.Run("invalid transitions", func(t *testing.T) { invalidTransitions(ctx, t, c) })
	t.Run("pause and resume", func(t *testing.T) { pauseResume(ctx, t, c) })
	t.Run("disabled proxy", func(t *testing.T) { disabledProxy(ctx, t, c) })

	runDir := rt.RunDir()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if p := runProcs(rt.RunID()); len(p) > 0 {
		t.Errorf("processes of run left after Close: %+v", p)
	}
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Errorf("run dir %s left after Close: %v", runDir, err)
	}
}

func configAndFeatures(ctx context.Context, t *testing.T, c *Cluster) {
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

func produceConsume(ctx context.Context, t *testing.T, c *Cluster) {
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

func killRestart(ctx context.Context, t *testing.T, c *Cluster) {
	if err := c.Kill(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.State(2); st != StateStopped {
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

func invalidTransitions(ctx context.Context, t *testing.T, c *Cluster) {
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

func pauseResume(ctx context.Context, t *testing.T, c *Cluster) {
	if err := c.Pause(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Pause(ctx, 3); err == nil {
		t.Error("pausing a paused node succeeded")
	}
	if st, _ := c.State(3); st != StatePaused {
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

func disabledProxy(ctx context.Context, t *testing.T, c *Cluster) {
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
	_, _, err = brokerMetadata(mctx, cl)
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
	_, ids, err := brokerMetadata(mctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != want {
		t.Fatalf("brokers %v, want %d", ids, want)
	}
}

func TestCrashedRunIsCleaned(t *testing.T) {
	libs := testLibs(t)
	root := t.TempDir()
	cmd := helperCmd("cluster", []string{"CHAOSRUN_HELPER_LIBS=" + libs, "CHAOSRUN_HELPER_ROOT=" + root})
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
	t.Cleanup(func() { killRun(t, runID) })

	cmd.Process.Kill() // the run dies without closing anything
	cmd.Wait()
	if n := len(runProcs(runID)); n == 0 {
		t.Fatal("no JVM outlived the crashed run: nothing left to clean")
	} else {
		t.Logf("%d JVMs outlived the crashed run", n)
	}
	removed, err := CleanLeftovers(root, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if !containsString(removed, runDir) {
		t.Errorf("removed %v, want %s among them", removed, runDir)
	}
	if p := runProcs(runID); len(p) > 0 {
		t.Errorf("processes of crashed run left: %+v", p)
	}
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Errorf("crashed run dir %s left: %v", runDir, err)
	}
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

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestStartFailuresTearDown(t *testing.T) {
	libs := testLibs(t)
	for name, tc := range map[string]struct {
		opts      ProcessOptions
		cfg       Config
		wantInErr []string
	}{
		"bad broker config": {
			cfg:       Config{Nodes: 1, BrokerConfig: map[string]string{"num.network.threads": "many"}},
			wantInErr: []string{"format storage", "Invalid value many for configuration num.network.threads"},
		},
		"broker JVM exits": {
			opts:      ProcessOptions{JavaOpts: []string{"-XX:+NoSuchFlag"}},
			cfg:       Config{Nodes: 2},
			wantInErr: []string{"exited while starting", "stdout.log", "NoSuchFlag"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			tc.opts.LibsDir, tc.opts.Root = libs, t.TempDir()
			rt, err := NewProcessRuntime(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { killRun(t, rt.RunID()) })
			_, err = Start(ctx, rt, tc.cfg)
			if err == nil {
				t.Fatal("Start succeeded")
			}
			for _, want := range tc.wantInErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if p := runProcs(rt.RunID()); len(p) > 0 {
				t.Errorf("processes left after failed Start: %+v", p)
			}
			if _, err := os.Stat(rt.RunDir()); !os.IsNotExist(err) {
				t.Errorf("run dir left after failed Start: %v", err)
			}
		})
	}
}
