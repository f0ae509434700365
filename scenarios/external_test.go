package scenarios

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaosrun/chaosrun"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/spec"
)

// externalRuns are shipped scenarios run again on a cluster chaosrun did not
// start, grouped by the broker configuration they need of it: the Kafka-level
// negative control (a follower paused and the leader killed and restarted
// through hooks, its targets found in metadata, the KRaft voters and broker
// settings it names checked against the cluster) and network jitter on every
// client path through chaosrun's own proxies (a passing run). One cluster
// serves both, to keep CI's time.
var externalRuns = []struct {
	cluster harness.Config
	files   []string
}{
	{harness.Config{Nodes: 3, Controllers: []int32{3},
		BrokerConfig: map[string]string{"unclean.leader.election.enable": "true", "replica.lag.time.max.ms": "3000"}},
		[]string{"negative/leader-kill-acks1.yaml", "network-jitter.yaml"}},
}

// TestExternal starts Kafka clusters outside any run (local JVMs this test
// owns), then runs shipped scenarios on them in external mode, with broker
// faults through hook commands that ask this test to signal the JVMs. Each
// must meet its own expectation, as on the process runtime, and leave no
// topic or group behind.
func TestExternal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real Kafka clusters; skipped under -short")
	}
	if os.Getenv("CHAOSRUN_SCENARIOS") != "" || os.Getenv("CHAOSRUN_RUNTIME") == "docker" {
		t.Skip("external mode runs once, in the process runtime's pass")
	}
	kind, _ := runtimes.Lookup("process")
	if ok, why := kind.Usable(context.Background(), harness.RuntimeOptions{}); !ok {
		t.Skip("no local JVMs for the external cluster: " + why)
	}
	for i, group := range externalRuns {
		t.Run(fmt.Sprintf("cluster-%d", i+1), func(t *testing.T) {
			ext, adm := startExternal(t, kind, group.cluster)
			for _, f := range group.files {
				t.Run(strings.TrimSuffix(f, ".yaml"), func(t *testing.T) {
					var res = runOn(t, f, ext)
					if res != nil && res.Cluster.External == nil {
						t.Fatal("the result does not say the run was on an external cluster")
					}
				})
			}
			assertNothingLeft(t, adm)
		})
	}
}

// startExternal starts a cluster on local JVMs, a control server its hooks
// talk to, and returns the cluster file's content for runs on it.
func startExternal(t *testing.T, kind harness.RuntimeKind, cfg harness.Config) (*spec.External, *kadm.Client) {
	t.Helper()
	ctx := context.Background()
	cfg.Logf = t.Logf
	rt, err := kind.New(ctx, runtimes.Options(harness.RuntimeOptions{Logf: t.Logf}))
	if err != nil {
		t.Fatal(err)
	}
	cluster, err := harness.Start(ctx, rt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := cluster.Close(cctx); err != nil {
			t.Errorf("closing the external cluster: %v", err)
		}
	})
	ctl := controlServer(t, cluster)
	script := filepath.Join(t.TempDir(), "broker-ctl")
	// The hook is a plain shell script, as a user's would be: it asks the
	// test, which owns the JVMs, to act on one and exits non-zero if not done.
	body := fmt.Sprintf("#!/bin/bash\nset -e\nexec 3<>/dev/tcp/127.0.0.1/%d\necho \"$1 $2\" >&3\nread -r reply <&3\necho \"$reply\"\n[ \"$reply\" = ok ]\n", ctl)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cluster.yaml")
	var hooks strings.Builder
	for _, a := range []string{"kill", "stop", "start", "pause", "resume"} {
		fmt.Fprintf(&hooks, "  %s: %s %s {{.Node}}\n", a, script, a)
	}
	yaml := fmt.Sprintf("bootstrap: [%s]\nhooks:\n%s  timeout: 3m\n", strings.Join(cluster.Bootstrap(), ", "), hooks.String())
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ext, err := spec.LoadExternal(file)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kafkaconn.Local(cluster.Bootstrap()).NewClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return ext, kadm.NewClient(cl)
}

// controlServer answers "ACTION NODE" lines by doing it to the cluster's
// JVMs: the far side of the hooks.
func controlServer(t *testing.T, c *harness.Cluster) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	acts := map[string]func(context.Context, int32) error{
		"kill": c.Kill, "stop": c.Stop, "start": c.Start, "pause": c.Pause, "resume": c.Resume,
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				line, _ := bufio.NewReader(conn).ReadString('\n')
				f := strings.Fields(line)
				reply := "ok"
				if len(f) != 2 || acts[f[0]] == nil {
					reply = "error: want ACTION NODE"
				} else if id, err := strconv.Atoi(f[1]); err != nil {
					reply = "error: " + err.Error()
				} else if err := acts[f[0]](context.Background(), int32(id)); err != nil {
					reply = "error: " + strings.ReplaceAll(err.Error(), "\n", " ")
				}
				t.Logf("hook: %s → %s", strings.TrimSpace(line), reply)
				fmt.Fprintln(conn, reply)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// assertNothingLeft fails when a topic or group other than Kafka's own is
// on the cluster after the runs.
func assertNothingLeft(t *testing.T, adm *kadm.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names := topics.Names(); len(names) > 0 || len(groups) > 0 {
		t.Errorf("left on the external cluster: topics %v, groups %v", names, groups.Groups())
	}
}

// runOn runs a shipped scenario on an external cluster through chaosrun.Run,
// which fails the test unless its own expectation is met.
func runOn(t *testing.T, file string, ext *spec.External) *result.Result {
	t.Helper()
	s, err := chaosrun.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return chaosrun.Run(t, s, chaosrun.WithExternal(ext), chaosrun.WithOutDir(filepath.Join(resultsDir(t), "external", s.Name)),
		chaosrun.WithTimeout(10*time.Minute))
}
