package capacity

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/chaosrun/chaosrun/internal/lines"
)

// PerfTestSummary is kafka-producer-perf-test's summary line.
type PerfTestSummary struct {
	Records    int64
	RecordsPer float64 // records/s
	AvgMs      float64 // average latency
	P99Ms      float64
}

var perfSummary = regexp.MustCompile(`(\d+) records sent, ([\d.]+) records/sec \([\d.]+ MB/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th`)

// ProducerPerfTest runs Kafka's own ProducerPerformance
// (kafka-producer-perf-test) from the pinned version's jars in libs against
// bootstrap, as fast as it can (closed loop, --throughput -1), with the
// producer settings given in the Java client's names.
func ProducerPerfTest(ctx context.Context, libs string, bootstrap []string, topic string, records, size int, props map[string]string) (PerfTestSummary, error) {
	args := []string{"-cp", filepath.Join(libs, "*"), "org.apache.kafka.tools.ProducerPerformance",
		"--topic", topic, "--num-records", strconv.Itoa(records), "--record-size", strconv.Itoa(size),
		"--throughput", "-1", "--producer-props", "bootstrap.servers=" + strings.Join(bootstrap, ",")}
	for k, v := range props {
		args = append(args, k+"="+v)
	}
	out, err := exec.CommandContext(ctx, "java", args...).CombinedOutput()
	if err != nil {
		return PerfTestSummary{}, fmt.Errorf("kafka-producer-perf-test: %w\n%s", err, lines.Tail(string(out), 20))
	}
	m := perfSummary.FindAllStringSubmatch(string(out), -1)
	if len(m) == 0 {
		return PerfTestSummary{}, fmt.Errorf("kafka-producer-perf-test printed no summary:\n%s", lines.Tail(string(out), 20))
	}
	last := m[len(m)-1]
	var p PerfTestSummary
	p.Records, _ = strconv.ParseInt(last[1], 10, 64)
	p.RecordsPer, _ = strconv.ParseFloat(last[2], 64)
	p.AvgMs, _ = strconv.ParseFloat(last[3], 64)
	p.P99Ms, _ = strconv.ParseFloat(last[4], 64)
	return p, nil
}
