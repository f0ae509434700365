package chaosrun_test

import (
	"testing"
	"time"

	"github.com/chaosrun/chaosrun"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/spec"
)

// t stands for the *testing.T of the test the examples would be in.
var t = &testing.T{}

// A scenario file, run on a cluster chaosrun starts: the test fails with
// the unmet verdicts and their evidence, and skips where no runtime can
// start Kafka (it fails instead when $CI is set).
func ExampleRun() {
	s, err := chaosrun.Load("scenarios/leader-kill-safe.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := chaosrun.Run(t, s)
	t.Logf("acked %d, lost by Kafka %d, produce p99 %.0f ms", res.Counts.Acked, res.Counts.LostKafka, res.Latency["produce_ack"].P99)
}

// The same struct built in Go, checked exactly as a file is: 200 orders a
// second for 40 s, every client path 100 ms slower for 10 s, on one node.
func ExampleNew() {
	s, err := chaosrun.New(chaosrun.Scenario{
		Name:     "latency-under-load",
		Cluster:  spec.Cluster{Nodes: 1},
		Workload: spec.Workload{Rate: 200, Duration: 40 * time.Second, Producer: spec.Settings{{Key: "acks", Value: "all"}}},
		Faults: []spec.Fault{{At: 10 * time.Second, Duration: 10 * time.Second,
			Target: faults.Target{All: true}, Fault: &faults.Latency{Latency: 100 * time.Millisecond}}},
		Thresholds: []string{"produce_ack.p99 < 2s"},
	})
	if err != nil {
		t.Fatal(err) // names the field: "<go:latency-under-load>: faults[0].latency: ..."
	}
	chaosrun.Run(t, s)
}

// On a cluster that exists already, described by a cluster file with its
// security settings and fault hooks; the run's topic and group are its own
// and are deleted at the end.
func ExampleWithCluster() {
	s, err := chaosrun.Load("scenarios/leader-kill-safe.yaml")
	if err != nil {
		t.Fatal(err)
	}
	chaosrun.Run(t, s, chaosrun.WithCluster("docs/strimzi/cluster.yaml"), chaosrun.WithOutDir("results/leader-kill"))
}
