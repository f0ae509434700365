package capacity

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/internal/browsertest"
)

// htmlFixture is a capacity run by hand: two combinations searched healthy,
// the first again under a fault; some probes failed.
func htmlFixture() *Report {
	probe := func(rate float64, held bool, limit string, e2e, lag float64) ProbeResult {
		p := ProbeResult{TargetRate: rate, Sustained: held, Limit: limit, PublishRate: rate * 0.995,
			EndToEndLatency50pct: e2e / 3, EndToEndLatency99pct: e2e, PublishLatency99pct: 8, MaxLagSeconds: lag,
			Backlog: int64(lag * rate), Seconds: 21}
		p.Detail = "acked fine"
		if !held {
			p.Detail = "lag grew 900 offsets/s to 12000 <b>(processed 8100/s)</b>"
		}
		return p
	}
	failedAt := func(v float64) *float64 { return &v }
	rep := &Report{Schema: Schema, Scenario: "kitchen-orders", Runtime: "compose", KafkaVersion: "3.9.0",
		StartedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), EndedAt: time.Date(2025, 3, 1, 10, 42, 7, 0, time.UTC),
		SLO: []string{"e2e p99 < 500ms"}, UnderFault: "broker-kill (leader of partition 0)", Target: 15000,
		Recommendation: "for 15,000 msg/s at e2e p99 < 500ms: 12 partitions, 3 members × 8 workers (sustains 18,000 msg/s)",
		PerfTest:       &PerfTestComparison{ChaosrunRate: 52000, PerfTestRate: 61000, PerfTestRecords: 600000, PerfTestP99: 40, Ratio: 0.85, RecordBytes: 512}}
	rep.Probe.WarmupSeconds, rep.Probe.WindowSeconds, rep.Probe.FaultWarmupSeconds, rep.Probe.MaxLagSeconds = 5, 15, 12, 5
	rep.Search.Start, rep.Search.Min, rep.Search.Max, rep.Search.Precision, rep.Search.MaxProbes = 5000, 500, 100000, 0.05, 12
	a := Result{Name: "partitions=6 workers=4", Partitions: 6, ConsumersPerTopic: 3, WorkersPerConsumer: 4,
		MaxSustainableRate: 10000, FirstFailedRate: failedAt(12500), Limit: LimitGroup, LimitDetail: "lag grew at 12,500/s",
		Probes: []ProbeResult{probe(5000, true, "", 40, 0.2), probe(10000, true, "", 120, 0.9),
			probe(20000, false, LimitGroup, 2400, 9), probe(12500, false, LimitGroup, 900, 6)}}
	a.AtMax = &a.Probes[1]
	b := Result{Name: "partitions=12 workers=8", Partitions: 12, ConsumersPerTopic: 3, WorkersPerConsumer: 8,
		MaxSustainableRate: 18000, FirstFailedRate: failedAt(20000), Limit: LimitSLO, LimitDetail: "e2e p99 650ms",
		Probes: []ProbeResult{probe(5000, true, "", 30, 0.1), probe(10000, true, "", 60, 0.3),
			probe(20000, false, LimitSLO, 650, 2), probe(18000, true, "", 300, 1.2)}}
	b.AtMax = &b.Probes[3]
	f := Result{Name: a.Name, Fault: rep.UnderFault, Partitions: 6, ConsumersPerTopic: 3, WorkersPerConsumer: 4,
		MaxSustainableRate: 5000, Limit: LimitProducers, LimitDetail: "acks fell behind",
		Probes: []ProbeResult{probe(5000, true, "", 380, 3), probe(7500, false, LimitProducers, 0, 0)}}
	f.AtMax = &f.Probes[0]
	rep.Results = []Result{a, b, f}
	return rep
}

func writeFixtureHTML(t *testing.T) (string, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "capacity.html")
	if err := htmlFixture().WriteHTML(file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return file, string(data)
}

func TestHTMLIsSelfContained(t *testing.T) {
	_, page := writeFixtureHTML(t)
	rep := htmlFixture()
	for _, want := range []string{"12 partitions, 3 members × 8 workers (sustains 18,000 msg/s)", "partitions=6 workers=4",
		"partitions=12 workers=8", "broker-kill (leader of partition 0)", "18,000", "kafka-producer-perf-test", "e2e p99 &lt; 500ms",
		`id="chart-latency"`, `id="chart-lag"`, "uPlot", "Leon Sorokin"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`(?i)<(script|link|img)[^>]+(src|href)=`).FindString(page); m != "" {
		t.Errorf("the page loads something from elsewhere: %s", m)
	}
	if strings.Contains(page, "<b>(processed") {
		t.Error("a probe's detail reached the page unescaped")
	}

	m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data in the page")
	}
	var c rateCharts
	if err := json.Unmarshal([]byte(m[1]), &c); err != nil {
		t.Fatalf("the chart data does not parse: %v", err)
	}
	if want := []float64{5000, 7500, 10000, 12500, 18000, 20000}; !slices.Equal(c.X, want) {
		t.Errorf("x: %v, want %v", c.X, want)
	}
	if len(c.Series) != len(rep.Results) {
		t.Fatalf("%d series, want %d", len(c.Series), len(rep.Results))
	}
	for i, s := range c.Series {
		if len(s.Latency) != len(c.X) || len(s.Lag) != len(c.X) || len(s.Held) != len(c.X) {
			t.Errorf("%s: not aligned on x", s.Label)
		}
		if s.Faulted != (rep.Results[i].Fault != "") {
			t.Errorf("%s: faulted %v", s.Label, s.Faulted)
		}
	}
	// partitions=6 at 12,500/s failed; it never probed 18,000/s.
	a := c.Series[0]
	if a.Held[3] == nil || *a.Held[3] || a.Limit[3] != LimitGroup || a.Latency[3] == nil || *a.Latency[3] != 900 {
		t.Errorf("partitions=6 at 12,500/s: held %v, limit %q, latency %v", a.Held[3], a.Limit[3], a.Latency[3])
	}
	if a.Held[4] != nil || a.Latency[4] != nil {
		t.Errorf("partitions=6 at 18,000/s: a point where no probe ran")
	}
	// Under the fault, 7,500/s failed with no e2e latency: no point on the log scale, but held is known.
	if f := c.Series[2]; f.Latency[1] != nil || f.Held[1] == nil || *f.Held[1] {
		t.Errorf("faulted at 7,500/s: latency %v, held %v", f.Latency[1], f.Held[1])
	}
}

// TestHTMLInABrowser loads the page in headless chromium, as reports' test
// does: it must draw both charts without an error, and the legend must say
// whether a probe held. A page of odd cases (a search that errored with no
// probes, one probe, producers only) must load cleanly too.
// CHAOSRUN_BROWSER=required makes a missing browser a failure;
// CHAOSRUN_ARTIFACTS keeps the page and screenshots.
func TestHTMLInABrowser(t *testing.T) {
	browser := browsertest.Find(t)
	load := func(file string) (body, dom string) { return browser.Load(t, file, 2) }

	file, page := writeFixtureHTML(t)
	// Point the latency chart's cursor at 12,500/s, where partitions=6 failed.
	hover := `<script>(function () {
  var u = window.capacityCharts[0];
  u.setCursor({ left: u.valToPos(12500, "x"), top: u.valToPos(900, "y") });
  document.body.dataset.legend = Array.prototype.map.call(
    document.querySelectorAll("#chart-latency .u-legend .u-value"), function (e) { return e.textContent; }).join(" | ");
})();</script></body>`
	hovered := filepath.Join(filepath.Dir(file), "hovered.html")
	if err := os.WriteFile(hovered, []byte(strings.Replace(page, "</body>", hover, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	body, dom := load(hovered)
	if n := strings.Count(dom, `class="uplot`); n != 2 {
		t.Errorf("%d uPlot charts in the page, want 2", n)
	}
	legend := regexp.MustCompile(`data-legend="([^"]*)"`).FindStringSubmatch(body)
	if legend == nil || !strings.Contains(legend[1], "900ms · FAILED (consumer group)") || !strings.Contains(legend[1], "12,500/s") {
		t.Errorf("the legend at 12,500/s does not say the probe failed: %v", legend)
	} else {
		t.Logf("legend at 12,500/s: %s", legend[1])
	}
	t.Logf("capacity.html: %d bytes, %s", len(page), regexp.MustCompile(` data-legend="[^"]*"`).ReplaceAllString(body, ""))

	odd := htmlFixture()
	odd.ProducersOnly, odd.Target, odd.PerfTest, odd.Recommendation = true, 0, nil, ""
	odd.Results = []Result{{Name: "broken", Error: "cluster did not start"},
		{Name: "one probe", MaxSustainableRate: 5000, Probes: []ProbeResult{{TargetRate: 5000, Sustained: true, PublishLatency99pct: 7}}}}
	oddFile := filepath.Join(t.TempDir(), "odd.html")
	if err := odd.WriteHTML(oddFile); err != nil {
		t.Fatal(err)
	}
	body, _ = load(oddFile)
	t.Logf("odd cases: %s", body)

	if a := os.Getenv("CHAOSRUN_ARTIFACTS"); a != "" {
		os.MkdirAll(a, 0o755)
		os.WriteFile(filepath.Join(a, "capacity.html"), []byte(page), 0o644)
		for shot, f := range map[string]string{"capacity.png": file, "capacity-odd.png": oddFile} {
			browser.Screenshot(t, f, filepath.Join(a, shot), "1280,2000")
		}
	}
}
