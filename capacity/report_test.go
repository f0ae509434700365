package capacity

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func combo(name string, partitions int32, members, workers int, max float64, fault string) Result {
	ff := max * 1.05
	return Result{Name: name, Fault: fault, Partitions: partitions, ConsumersPerTopic: members, WorkersPerConsumer: workers,
		MaxSustainableRate: max, FirstFailedRate: &ff, Limit: LimitGroup, LimitDetail: "lag grew",
		Settings: map[string]string{"topic.partitions": "x", "workload.producer.linger.ms": "5"},
		Probes:   []ProbeResult{{TargetRate: max, Sustained: true, Detail: "ok"}, {TargetRate: ff, Limit: LimitGroup, Detail: "lag grew, \"fast\""}},
		AtMax:    &ProbeResult{TargetRate: max, Sustained: true, EndToEndLatency50pct: 40, EndToEndLatency99pct: 310, PublishLatency99pct: 12}}
}

func TestRecommendation(t *testing.T) {
	rep := &Report{SLO: []string{"e2e_intended.p99 < 500ms"}, Results: []Result{
		combo("a", 6, 1, 8, 2400, ""),
		combo("b", 12, 3, 8, 7200, ""),
		combo("c", 12, 2, 8, 4800, ""),
	}}
	rep.Target = 3000
	got := recommend(rep, &Plan{})
	if want := "for 3,000 msg/s at e2e_intended.p99 < 500ms: 12 partitions, 2 members × 8 workers, workload.producer.linger.ms=5 (sustains 4,800 msg/s)"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !rep.TargetMet() {
		t.Error("target met by c and b")
	}
	rep.Target = 9000
	if got := recommend(rep, &Plan{}); !strings.HasPrefix(got, "no combination sustains 9,000 msg/s") || !strings.Contains(got, "7,200 msg/s with 12 partitions, 3 members") {
		t.Errorf("unmet: %s", got)
	}
	if rep.TargetMet() {
		t.Error("no combination reaches 9,000")
	}
	// Under a fault, a combination must hold the target there too.
	rep.Target = 3000
	rep.UnderFault = "broker-kill (node 2)"
	rep.Results = append(rep.Results, combo("c", 12, 2, 8, 2900, rep.UnderFault), combo("b", 12, 3, 8, 5000, rep.UnderFault))
	if got := recommend(rep, &Plan{Fault: nil}); !strings.Contains(got, "3 members × 8 workers") {
		t.Errorf("c fails under the fault, so b: %s", got)
	}
	rep.Target = 0
	if got := recommend(rep, &Plan{}); got != "highest with e2e_intended.p99 < 500ms: 7,200 msg/s with 12 partitions, 3 members × 8 workers, workload.producer.linger.ms=5; 5,000 msg/s with broker-kill (node 2)" {
		t.Errorf("no target: %s", got)
	}
}

func TestTableAndCSV(t *testing.T) {
	rep := &Report{Results: []Result{combo("topic.partitions=6", 6, 1, 1, 1234.4, ""), {Name: "broken", Error: "probe at 10/s: harness: boom"}},
		Recommendation: "for 1,000 msg/s: 6 partitions"}
	var buf bytes.Buffer
	rep.WriteTable(&buf)
	out := buf.String()
	for _, want := range []string{"topic.partitions=6", "1,234", "40ms", "310ms", "12ms", "consumer group: lag grew", "error: probe at 10/s: harness: boom", "recommendation: for 1,000 msg/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][2] != "targetRate" || rows[1][2] != "1234.4" || rows[2][3] != "false" || rows[2][16] != `lag grew, "fast"` {
		t.Errorf("csv: %q", rows)
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.6: "1,234,568", -4500: "-4,500"} {
		if got := Thousands(v); got != want {
			t.Errorf("%g: %s, want %s", v, got, want)
		}
	}
}
