package thresholds

import (
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/result"
)

func sampleResult() *result.Result {
	back, first := 12.5, 0.3
	return &result.Result{
		Latency: map[string]result.Latency{
			"produce_ack":       {Count: 100, P50: 4, P90: 9, P99: 312.8, P999: 480, Max: 900},
			"e2e_from_intended": {Count: 100, P50: 10, P99: 6200, P999: 7000, Max: 8000},
		},
		Counts:     ledger.Counts{Sent: 100, Acked: 98, Unknown: 2, LostConsumer: 3},
		Lag:        []ledger.LagPoint{{At: time.Unix(10, 0), Partition: 1, Offsets: 40, Seconds: 2.5}, {At: time.Unix(11, 0), Partition: 0, Offsets: 90, Seconds: 1}},
		Recoveries: []result.Recovery{{What: "broker-kill node 1", LagBack: &back, FirstAck: &first}},
		Group:      &result.Group{Rebalances: 3, UnownedS: []float64{0.5, 4}},
	}
}

func TestJudgeEachKindOfMetric(t *testing.T) {
	cases := []struct {
		text    string
		passed  bool
		summary string
	}{
		{"produce_ack.p99 < 500ms", true, "produce_ack.p99 = 312.8ms (limit < 500ms)"},
		{"produce_ack.p99.9 <= 400ms", false, "produce_ack.p99.9 = 480ms (limit <= 400ms)"},
		{"e2e_intended.p99.9 < 5s", false, "e2e_intended.p99.9 = 7s (limit < 5s)"},
		{"unknown == 0", false, "unknown = 2 (limit == 0)"},
		{"lost_consumer <= 3", true, "lost_consumer = 3 (limit <= 3)"},
		{"lag.max < 30s", true, "lag.max = 2.5s (limit < 30s)"},
		{"lag.max_offsets < 50", false, "lag.max_offsets = 90 (limit < 50)"},
		{"recovery < 20s", true, "recovery = 12.5s (limit < 20s)"},
		{"first_ack < 100ms", false, "first_ack = 300ms (limit < 100ms)"},
		{"rebalances <= 2", false, "rebalances = 3 (limit <= 2)"},
		{"unowned.max < 5s", true, "unowned.max = 4s (limit < 5s)"},
		{"acked >= 98", true, "acked = 98 (limit >= 98)"},
		// A figure the run lacks fails: it was never checked.
		{"sink_write.p99 < 50ms", false, "sink_write.p99: no such figure in this run (no sink_write latency recorded)"},
	}
	for _, c := range cases {
		th, err := Parse(c.text)
		if err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		v := th.Judge(sampleResult())
		if v.Name != c.text || v.Passed != c.passed || v.Summary != c.summary || !v.Enforced {
			t.Errorf("%s: got %+v, want passed=%v %q", c.text, v, c.passed, c.summary)
		}
	}
}

func TestRecoveryNeverBackFails(t *testing.T) {
	r := sampleResult()
	r.Recoveries = append(r.Recoveries, result.Recovery{What: "flood"})
	th, _ := Parse("recovery < 1h")
	if v := th.Judge(r); v.Passed || !strings.Contains(v.Summary, "never") {
		t.Errorf("a recovery that never came passed: %+v", v)
	}
	r.Recoveries = nil
	if v := th.Judge(r); v.Passed || !strings.Contains(v.Summary, "no fault or flood") {
		t.Errorf("a run without faults passed a recovery threshold: %+v", v)
	}
	// A flood has no first ack after it (acks go on through it): first_ack
	// judges the faults only.
	back := 3.0
	r.Recoveries = []result.Recovery{{What: "flood 8000 records", Kind: "flood", LagBack: &back}}
	fa, _ := Parse("first_ack < 1s")
	if v := fa.Judge(r); v.Passed || !strings.Contains(v.Summary, "no fault to recover from") {
		t.Errorf("first_ack over a flood only: %+v", v)
	}
	first := 0.2
	r.Recoveries = append(r.Recoveries, result.Recovery{What: "broker-kill", Kind: "fault", FirstAck: &first, LagBack: &back})
	if v := fa.Judge(r); !v.Passed {
		t.Errorf("first_ack with a flood and a fault: %+v", v)
	}
}

func TestParseRefusesBadThresholds(t *testing.T) {
	cases := map[string]string{
		"produce_ack.p99 500ms":     `want "metric op value"`,
		"produce_ack.p98 < 500ms":   `unknown metric "produce_ack.p98" (known: `,
		"produce_ack.p99 =< 500ms":  `unknown comparison "=<"`,
		"produce_ack.p99 < 500":     `produce_ack.p99 is a duration: write its unit, e.g. 500ms or 5s, not "500"`,
		"unknown == 0.5":            `unknown is a count: write a whole number, not "0.5"`,
		"lag.max < -5s":             `lag.max is a duration`,
		"recovery < 20s extra":      `want "metric op value"`,
		"  lag.max   <   30s  ":     "",
		"e2e_sent.max != 1m30s":     "",
		"log_duplicates == 0":       "",
		"sink_write.p50 >= 0s":      "",
		"lost_unconfirmed == 0":     "",
		"lost_retention == 0":       "",
		"duplicates < 10":           "",
		"in_log >= 1":               "",
		"processed > 0":             "",
		"failed == 0":               "",
		"late < 100":                "",
		"lost_kafka == 0":           "",
		"e2e_intended.p90 < 1s":     "",
		"produce_ack.max < 2s":      "",
		"unowned.max <= 0s":         "",
		"first_ack <= 1s":           "",
		"rebalances == 0":           "",
		"sent > 0":                  "",
		"acked > 0":                 "",
		"lag.max_offsets <= 100000": "",
	}
	for text, want := range cases {
		_, err := Parse(text)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", text, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: got %v, want it to contain %s", text, err, want)
		}
	}
}

// "p99<500ms" as people type it on a command line: spaces are optional.
func TestParseCompact(t *testing.T) {
	for _, text := range []string{"e2e_intended.p99<500ms", "e2e_intended.p99 <500ms", " e2e_intended.p99<= 500ms "} {
		th, err := Parse(text)
		if err != nil || th.Metric != "e2e_intended.p99" || th.Limit != 500 {
			t.Errorf("%q: %+v %v", text, th, err)
		}
	}
	if _, err := Parse("e2e_intended.p99<<500ms"); err == nil {
		t.Error("a doubled operator must be refused")
	}
}
