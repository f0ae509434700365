package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad capacity input exits 2 before any Kafka starts, naming what is wrong.
func TestCapacityBadInputExitsTwoBeforeRunning(t *testing.T) {
	tmpl := "../../examples/capacity/kitchen.yaml"
	out := filepath.Join(t.TempDir(), "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sweep", "topic.partitions=6,zero"}, "topic.partitions"},
		{[]string{"--sweep", "workload.rate=1,2"}, "want a key under"},
		{[]string{"--sweep", "consumer.instances"}, "want key=v1,v2"},
		{[]string{"--slo", "p99<soon"}, `--slo "p99<soon"`},
		{[]string{"--slo", "colour<red"}, "unknown metric"},
		{[]string{"--under-fault", "broker-stop"}, "not a fault of the scenario; it has broker-kill"},
		{[]string{"--min", "0"}, "--min 0"},
		{[]string{"--precision", "2"}, "--precision 2"},
		{[]string{"--max-probes", "1"}, "--max-probes 1"},
		{[]string{"--window", "2s"}, "--window at least 5s"},
		{[]string{"--producers-only", "--slo", "p99<500ms"}, "only produce_ack latencies"},
		{[]string{"--runtime", "kubernetes"}, "--runtime"},
	} {
		args := append([]string{"capacity", "--out", out}, c.args...)
		code, stderr := capture(t, append(args, tmpl)...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, exitBadInput, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("bad input made the output directory: something started")
	}
	if code, _ := capture(t, "capacity", filepath.Join(t.TempDir(), "none.yaml")); code != exitBadInput {
		t.Errorf("a missing template: exit %d", code)
	}
}
