package runner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chaosrun/chaosrun/spec"
)

// checkBrokerConfig refuses broker settings the running Kafka does not know:
// a broker only logs a warning for them, and a user's setting must never be
// dropped quietly.
func checkBrokerConfig(ctx context.Context, s *spec.Scenario, adm *kadm.Client) error {
	if len(s.Cluster.Broker) == 0 {
		return nil
	}
	rcs, err := adm.DescribeBrokerConfigs(ctx, 1)
	if err != nil {
		return fmt.Errorf("describe broker configs: %w", err)
	}
	known := map[string]bool{}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			known[c.Key] = true
		}
	}
	for _, kv := range s.Cluster.Broker {
		if !known[kv.Key] {
			return s.ErrorAt("cluster.broker."+kv.Key, fmt.Sprintf("Kafka does not know a broker config %q", kv.Key))
		}
	}
	return nil
}

// createTopic validates the topic with the controller first, so a bad
// setting is reported against the scenario file, then creates it and waits
// until every partition has a leader.
func createTopic(ctx context.Context, s *spec.Scenario, cl *kgo.Client) error {
	adm := kadm.NewClient(cl)
	if err := sendCreate(ctx, s, cl, true); err != nil {
		return err
	}
	if err := sendCreate(ctx, s, cl, false); err != nil {
		return err
	}
	return waitLeaders(ctx, adm, s.Topic.Name, 60*time.Second)
}

func sendCreate(ctx context.Context, s *spec.Scenario, cl *kgo.Client, validateOnly bool) error {
	t := s.Topic
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = t.Name
	rt.NumPartitions, rt.ReplicationFactor = t.Partitions, t.ReplicationFactor
	if len(t.Assignment) > 0 {
		rt.NumPartitions, rt.ReplicationFactor = -1, -1
		for p, replicas := range t.Assignment {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = int32(p), replicas
			rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
		}
	}
	for _, kv := range t.Config {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = kv.Key, kmsg.StringPtr(kv.Value)
		rt.Configs = append(rt.Configs, c)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Topics, req.TimeoutMillis, req.ValidateOnly = []kmsg.CreateTopicsRequestTopic{rt}, 30000, validateOnly
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("create topic %s: %w", t.Name, err)
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			return topicError(s, err, rt.ErrorMessage)
		}
	}
	return nil
}

// topicError turns the controller's refusal into a bad-input error at the
// offending field where the refusal is about the scenario.
func topicError(s *spec.Scenario, err error, msg *string) error {
	text := err.Error()
	if msg != nil {
		text = *msg
	}
	switch {
	case errors.Is(err, kerr.InvalidConfig), errors.Is(err, kerr.PolicyViolation):
		for _, kv := range s.Topic.Config {
			if strings.Contains(text, kv.Key) {
				return s.ErrorAt("topic.config."+kv.Key, "Kafka refused it: "+text)
			}
		}
		return s.ErrorAt("topic.config", "Kafka refused the topic config: "+text)
	case errors.Is(err, kerr.InvalidReplicationFactor):
		return s.ErrorAt("topic.replication_factor", "Kafka refused it: "+text)
	case errors.Is(err, kerr.InvalidReplicaAssignment):
		return s.ErrorAt("topic.assignment", "Kafka refused it: "+text)
	case errors.Is(err, kerr.InvalidPartitions):
		return s.ErrorAt("topic.partitions", "Kafka refused it: "+text)
	case errors.Is(err, kerr.InvalidTopicException):
		return s.ErrorAt("topic.name", "Kafka refused it: "+text)
	}
	return fmt.Errorf("create topic %s: %w: %s", s.Topic.Name, err, text)
}

func waitLeaders(ctx context.Context, adm *kadm.Client, topic string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		md, err := adm.Metadata(ctx, topic)
		if err == nil {
			if last = leaderless(md.Topics[topic]); last == "" {
				return nil
			}
		} else {
			last = err.Error()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("topic %s not ready after %s: %s", topic, limit, last)
}

func leaderless(td kadm.TopicDetail) string {
	if td.Err != nil {
		return td.Err.Error()
	}
	if len(td.Partitions) == 0 {
		return "no partitions yet"
	}
	var missing []int
	for p, pd := range td.Partitions {
		if pd.Err != nil || pd.Leader < 0 {
			missing = append(missing, int(p))
		}
	}
	sort.Ints(missing)
	if len(missing) > 0 {
		return fmt.Sprintf("partitions without a leader: %v", missing)
	}
	return ""
}

// createDeadLetterTopic creates the kitchen display's dead-letter topic: one
// partition, replicated like the scenario's topic.
func createDeadLetterTopic(ctx context.Context, s *spec.Scenario, cl *kgo.Client) error {
	return createSideTopic(ctx, s, cl, s.Consumer.DeadLetterTopic, 1)
}

// createOutputTopic creates the pipeline's output topic with the input's
// partitions, so an order's results share a partition as its events do.
func createOutputTopic(ctx context.Context, s *spec.Scenario, cl *kgo.Client) error {
	return createSideTopic(ctx, s, cl, s.Consumer.Output.Topic, s.Topic.Partitions)
}

// createSideTopic creates a topic the kitchen display writes, replicated
// as the workload's topic is.
func createSideTopic(ctx context.Context, s *spec.Scenario, cl *kgo.Client, name string, partitions int32) error {
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, partitions, replicationFactor(s.Topic)
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Topics, req.TimeoutMillis = []kmsg.CreateTopicsRequestTopic{rt}, 30000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
	}
	return waitLeaders(ctx, kadm.NewClient(cl), name, 60*time.Second)
}
