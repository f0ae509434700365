package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/chaosrun/chaosrun/internal/browsertest"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/result"
)

// withSeries is the fixture with the time series and histograms a real run
// has, so every chart has data.
func withSeries() *result.Result {
	r := fixture()
	h := hdrhistogram.New(1, 3_600_000_000, 3)
	for i := int64(1); i <= 1000; i++ {
		h.RecordValue(i * 100)
	}
	r.Latency["produce_ack"] = result.LatencyOf(h)
	r.Latency["e2e_from_intended"] = result.LatencyOf(h)
	for s := 0; s < 60; s++ {
		at := r.StartedAt.Add(time.Duration(s) * time.Second)
		r.SentSeries = append(r.SentSeries, ledger.CountPoint{At: at, Count: 500})
		r.AckSeries = append(r.AckSeries, ledger.LatencyPoint{At: at, Count: 500, P50: 2, P99: 9})
		r.E2ESeries = append(r.E2ESeries, ledger.LatencyPoint{At: at, Count: 480, P50: 5, P99: 40})
		for p := int32(0); p < 3; p++ {
			r.Lag = append(r.Lag, ledger.LagPoint{At: at, Partition: p, Offsets: int64(s) * int64(p), Seconds: float64(s*int(p)) / 100})
		}
	}
	return r
}

func TestHTMLIsSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, withSeries()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if m := regexp.MustCompile(`(?i)<(script|link|img)[^>]+(src|href)=`).FindString(page); m != "" {
		t.Errorf("the page loads something from elsewhere: %s", m)
	}
	for _, want := range []string{"uPlot", `id="chart-lag"`, "no-consumer-loss", "partition 0: 25 lost", "consumer-kill"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHTMLInABrowser loads the page in headless chromium: it must run
// without a console error and draw every chart. CHAOSRUN_BROWSER=required
// (CI) makes a missing browser a failure; CHAOSRUN_ARTIFACTS keeps a
// screenshot there.
func TestHTMLInABrowser(t *testing.T) {
	browser := browsertest.Find(t)
	dir := t.TempDir()
	if err := WriteAll(dir, withSeries()); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	st, _ := os.Stat(page)
	body, _ := browser.Load(t, page, 4)
	ms := regexp.MustCompile(`data-drawn-ms="(\d+)"`).FindStringSubmatch(body)
	drawn := -1
	if ms != nil {
		drawn, _ = strconv.Atoi(ms[1])
	}
	t.Logf("report.html: %d bytes, charts drawn %d ms after navigation started", st.Size(), drawn)
	if a := os.Getenv("CHAOSRUN_ARTIFACTS"); a != "" {
		os.MkdirAll(a, 0o755)
		browser.Screenshot(t, page, filepath.Join(a, "report.png"), "1280,2400")
	}
}

// A second without acks is a zero on the throughput chart, not a line
// drawn across the outage.
func TestThroughputFillsSilentSeconds(t *testing.T) {
	r := withSeries()
	var kept []ledger.LatencyPoint
	for _, p := range r.AckSeries {
		if s := p.At.Sub(r.StartedAt); s < 20*time.Second || s >= 28*time.Second {
			kept = append(kept, p)
		}
	}
	r.AckSeries = kept
	c := chartsOf(r).Throughput
	if len(c.X) != 60 {
		t.Fatalf("x: %d seconds, want 60", len(c.X))
	}
	for _, s := range c.Series {
		if s.Label != "acked/s" {
			continue
		}
		if v := s.Values[25]; v == nil || *v != 0 {
			t.Errorf("acked/s at t+25s: %v, want 0", v)
		}
		if v := s.Values[10]; v == nil || *v != 500 {
			t.Errorf("acked/s at t+10s: %v, want 500", v)
		}
	}
}
