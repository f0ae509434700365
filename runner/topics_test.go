package runner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/spec"
)

const scenario = `name: t
topic:
  partitions: 3
  replication_factor: 1
  config:
    retention.ms: "60000"
    min.insync.replicas: "1"
cluster:
  nodes: 1
faults:
  - type: broker-partition
    at: 1s
    duration: 1s
    target: {node: 1}
`

func parse(t *testing.T) *spec.Scenario {
	t.Helper()
	s, err := spec.Parse("t.yaml", []byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Kafka's refusals of the topic become bad-input errors at the field's line.
func TestTopicErrorPointsAtTheField(t *testing.T) {
	s := parse(t)
	msg := "Unknown topic config name: min.insync.replicas"
	cases := []struct {
		err  error
		msg  *string
		want string
	}{
		{kerr.InvalidConfig, &msg, "t.yaml:7:5: topic.config.min.insync.replicas: Kafka refused it"},
		{kerr.InvalidReplicationFactor, nil, "t.yaml:4:3: topic.replication_factor: Kafka refused it"},
		{kerr.InvalidPartitions, nil, "t.yaml:3:3: topic.partitions"},
	}
	for _, c := range cases {
		err := topicError(s, c.err, c.msg)
		var bad *spec.Errors
		if !errors.As(err, &bad) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want a bad-input error containing %q", c.err, err, c.want)
		}
	}
	if err := topicError(s, kerr.RequestTimedOut, nil); errors.As(err, new(*spec.Errors)) {
		t.Errorf("a timeout is the harness's trouble, not bad input: %v", err)
	}
}

func TestPartitionFaultNeedsDocker(t *testing.T) {
	s := parse(t)
	if err := Unfit(s, "docker"); err != nil {
		t.Errorf("docker can isolate: %v", err)
	}
	err := Unfit(s, "process")
	if !errors.As(err, new(*spec.Errors)) || !strings.Contains(err.Error(), "t.yaml:11:5: faults[0].type") ||
		!strings.Contains(err.Error(), "isolate a broker from its peers (docker)") {
		t.Errorf("want a bad-input error at the fault naming the ability, got %v", err)
	}
}

func TestRequiresLimitsRuntimes(t *testing.T) {
	s, err := spec.Parse("r.yaml", []byte("name: r\nrequires: [process]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Unfit(s, "process"); err != nil {
		t.Errorf("process is required, so it fits: %v", err)
	}
	err = Unfit(s, "docker")
	if !errors.As(err, new(*spec.Errors)) || !strings.Contains(err.Error(), "r.yaml:2:1: requires: the scenario runs only on process") {
		t.Errorf("want a bad-input error at requires, got %v", err)
	}
	if err := Unfit(s, "kubernetes"); !errors.As(err, new(*spec.Errors)) || !strings.Contains(err.Error(), "want auto, docker or process") {
		t.Errorf("unknown runtime: %v", err)
	}
}

// A named runtime that cannot run the scenario is refused before anything
// starts; auto skips runtimes that do not fit without asking docker.
func TestChooseRuntime(t *testing.T) {
	s := parse(t)
	if _, err := chooseRuntime(context.Background(), s, "process", "img", true); !errors.As(err, new(*spec.Errors)) {
		t.Errorf("process for a partition fault: %v", err)
	}
	s2, err := spec.Parse("p.yaml", []byte("name: p\nrequires: [process]\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := chooseRuntime(context.Background(), s2, "auto", "img", true)
	if err != nil || c.kind.Name != "process" || !strings.Contains(c.why, "docker does not fit the scenario") {
		t.Errorf("auto with requires [process]: %+v, %v", c, err)
	}
}

// The create path end to end, on kfake: validate first, then create, then
// wait for leaders.
func TestCreateTopicOnKfake(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := createTopic(context.Background(), parse(t), cl); err != nil {
		t.Fatal(err)
	}
}
