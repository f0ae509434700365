package clientconf

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/chaosrun/chaosrun/javaclient"
)

// JavaClient runs the workload's producers and kitchen-display members as
// processes on the Apache Kafka Java client instead of franz-go. The
// schedule, events and processing stay here; sending, buffering, retries,
// group membership and commits are the Java client's, with the scenario's
// settings passed to it untouched.
type JavaClient struct {
	Program   javaclient.Program
	Bootstrap []string          // the brokers' proxies (local clusters advertise them)
	Producer  map[string]string // the scenario's producer settings, as written
	Consumer  map[string]string // the scenario's consumer settings, as written
	LogDir    string            // each process's log (stderr) goes here; empty: discarded
}

// JavaProducerConfig is what is known of a Java producer from its written
// settings, before the Java client reports its effective ones.
func JavaProducerConfig(written map[string]string) ProducerConfig {
	acks := cmp.Or(written["acks"], "all")
	if acks == "-1" {
		acks = "all"
	}
	return ProducerConfig{Acks: acks, Resolved: written}
}

// JavaConsumerConfig is JavaProducerConfig's consumer side.
func JavaConsumerConfig(written map[string]string) ConsumerConfig {
	return ConsumerConfig{Resolved: written, AutoCommit: written["enable.auto.commit"] == "true",
		Static: written["group.instance.id"] != ""}
}

// ProducerSettings are producer i's settings: the scenario's, and what
// chaosrun owns.
func (j *JavaClient) ProducerSettings(i int) map[string]string {
	s := maps.Clone(j.Producer)
	s["bootstrap.servers"] = strings.Join(j.Bootstrap, ",")
	if s["client.id"] == "" {
		s["client.id"] = fmt.Sprintf("chaosrun-producer-%d", i)
	}
	return s
}

// ConsumerSettings are member slot's settings: the scenario's, the group,
// and the kitchen display's own choices where the scenario is silent (it
// commits after processing and reads from the start, as the franz-go
// kitchen does).
func (j *JavaClient) ConsumerSettings(group string, slot int) map[string]string {
	s := maps.Clone(j.Consumer)
	s["bootstrap.servers"] = strings.Join(j.Bootstrap, ",")
	s["group.id"] = group
	if s["client.id"] == "" {
		s["client.id"] = fmt.Sprintf("chaosrun-consumer-%d", slot)
	}
	if id := s["group.instance.id"]; id != "" {
		s["group.instance.id"] = fmt.Sprintf("%s-%d", id, slot) // static members need distinct ids
	}
	for k, v := range KitchenJavaDefaults {
		if _, set := s[k]; !set {
			s[k] = v
		}
	}
	return s
}

// KitchenJavaDefaults are the settings the Java kitchen display sets itself
// when the scenario does not, where the Java client's defaults differ from
// the kitchen's design (true and latest).
var KitchenJavaDefaults = map[string]string{"enable.auto.commit": "false", "auto.offset.reset": "earliest"}

// log opens the log of one process.
func (j *JavaClient) Log(name string) io.WriteCloser {
	if j.LogDir == "" {
		return nopCloser{io.Discard}
	}
	f, err := os.Create(filepath.Join(j.LogDir, name+".log"))
	if err != nil {
		return nopCloser{io.Discard}
	}
	return f
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

var digits = regexp.MustCompile(`[0-9]+`)

// JavaError is a Java client's error for the tally: numbers (record counts,
// partitions, milliseconds) become N so one kind of error is one line.
func JavaError(msg string) error { return errors.New("java " + digits.ReplaceAllString(msg, "N")) }
