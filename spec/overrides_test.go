package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOverridesReplaceAndAddSettings(t *testing.T) {
	var ovs []Override
	for _, s := range []string{"cluster.broker.min.insync.replicas=1", "topic.config.retention.ms=60000", "workload.producer.acks=1", "consumer.config.max.poll.records=500"} {
		o, err := ParseOverride(s, "--set")
		if err != nil {
			t.Fatal(err)
		}
		ovs = append(ovs, o)
	}
	s, err := ParseWith("good.yaml", []byte(good), ovs)
	if err != nil {
		t.Fatal(err)
	}
	get := func(st Settings, key string) string {
		for _, kv := range st {
			if kv.Key == key {
				return kv.Value
			}
		}
		return "(unset)"
	}
	if got := get(s.Cluster.Broker, "min.insync.replicas"); got != "1" {
		t.Errorf("broker min.insync.replicas = %s, want the override's 1", got)
	}
	if got := get(s.Topic.Config, "retention.ms"); got != "60000" {
		t.Errorf("topic retention.ms = %s", got)
	}
	if got := get(s.Workload.Producer, "acks"); got != "1" {
		t.Errorf("acks = %s", got)
	}
	if got := get(s.Consumer.Config, "max.poll.records"); got != "500" {
		t.Errorf("max.poll.records = %s", got)
	}
	if len(s.Overrides) != 4 || s.Overrides[2].String() != "workload.producer.acks=1 (--set)" {
		t.Errorf("overrides recorded: %v", s.Overrides)
	}
}

func TestOverrideErrorsNameTheirSource(t *testing.T) {
	o, err := ParseOverride("workload.producer.acks=most", "--set")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseWith("good.yaml", []byte(good), []Override{o})
	if err == nil || !strings.Contains(err.Error(), "workload.producer.acks") || !strings.Contains(err.Error(), "(set by --set)") {
		t.Errorf("a bad override's error: %v", err)
	}
	for in, want := range map[string]string{
		"cluster.broker":           "want section.key=value",
		"broker.num.io.threads=16": `"broker.num.io.threads": want a key under cluster.broker, topic.config, workload.producer, consumer.config, or one of`,
		"=5":                       "want section.key=value",
	} {
		if _, err := ParseOverride(in, "--set"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
	}
}

func TestReadOverridesFromAPropertiesFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "ship.properties")
	os.WriteFile(f, []byte("# what ships\ncluster.broker.num.io.threads = 16\n\n! comment\nconsumer.config.session.timeout.ms=45000\n"), 0o644)
	ovs, err := ReadOverrides(f)
	if err != nil || len(ovs) != 2 || ovs[0].Key != "num.io.threads" || ovs[0].Value != "16" || ovs[1].Source != f+":5" {
		t.Fatalf("%v %+v", err, ovs)
	}
	os.WriteFile(f, []byte("cluster.broker.x=1\nnonsense\n"), 0o644)
	if _, err := ReadOverrides(f); err == nil || !strings.Contains(err.Error(), f+":2") {
		t.Errorf("a bad line must be named by file:line: %v", err)
	}
}

// An aliased mapping takes the override in a copy: the anchor keeps its
// own settings, and the aliased ones are not lost.
func TestOverrideIntoAnAlias(t *testing.T) {
	src := strings.Replace(good, "consumer:\n  config:\n    max.poll.records: \"100\"\n", "consumer:\n  config: *cfg\n", 1)
	src = strings.Replace(src, "  producer:\n    acks: all\n", "  producer: &cfg\n    acks: all\n", 1)
	if !strings.Contains(src, "*cfg") || !strings.Contains(src, "&cfg") {
		t.Fatal("fixture")
	}
	o, _ := ParseOverride("consumer.config.max.poll.records=7", "--set")
	// acks is a producer setting, so the consumer refuses it: the error
	// shows the aliased settings reached the consumer with the override.
	_, err := ParseWith("alias.yaml", []byte(src), []Override{o})
	if err == nil || !strings.Contains(err.Error(), "consumer.config.acks") {
		t.Errorf("the aliased settings were lost: %v", err)
	}
}

// A field override is read as if the file had written it: an int is an int,
// a duration a duration, and a bad value is refused at that field, naming
// where it was set.
func TestFieldOverrides(t *testing.T) {
	var ovs []Override
	for _, s := range []string{"topic.partitions=12", "consumer.instances=3", "consumer.processing_time=7ms", "workload.message_size=1024"} {
		o, err := ParseOverride(s, "--sweep")
		if err != nil {
			t.Fatal(err)
		}
		if !o.Field {
			t.Fatalf("%s: not a field override", s)
		}
		ovs = append(ovs, o)
	}
	s, err := ParseWith("good.yaml", []byte(good), ovs)
	if err != nil {
		t.Fatal(err)
	}
	if s.Topic.Partitions != 12 || s.Consumer.Instances != 3 || s.Consumer.ProcessingTime != 7*time.Millisecond || s.Workload.MessageSize != 1024 {
		t.Errorf("fields: partitions %d instances %d processing %s size %d", s.Topic.Partitions, s.Consumer.Instances,
			s.Consumer.ProcessingTime, s.Workload.MessageSize)
	}
	o, _ := ParseOverride("consumer.workers=0", "--sweep")
	if _, err := ParseWith("good.yaml", []byte(good), []Override{o}); err == nil || !strings.Contains(err.Error(), "consumer.workers") ||
		!strings.Contains(err.Error(), "(set by --sweep)") {
		t.Errorf("a bad field override: %v", err)
	}
	o, _ = ParseOverride("topic.partitions=many", "--sweep")
	if _, err := ParseWith("good.yaml", []byte(good), []Override{o}); err == nil || !strings.Contains(err.Error(), "many") {
		t.Errorf("a non-number: %v", err)
	}
	if _, err := ParseOverride("workload.rate=5", "--sweep"); err == nil || !strings.Contains(err.Error(), "topic.partitions") {
		t.Errorf("the rate is not a field an override may write: %v", err)
	}
}

func TestAsErrors(t *testing.T) {
	bad := &Errors{List: []*Error{{File: "a.yaml", Line: 3, Msg: "no"}}}
	if got := AsErrors(fmt.Errorf("probe: %w", bad)); got != bad {
		t.Errorf("a wrapped *Errors comes back as itself: %v", got)
	}
	if got := AsErrors(errors.New("disk full")); len(got.List) != 1 || got.List[0].Msg != "disk full" {
		t.Errorf("another error becomes one entry: %v", got)
	}
}
