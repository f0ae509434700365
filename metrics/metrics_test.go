package metrics

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/runner"
)

func scrape(t *testing.T, e *Exporter) string {
	t.Helper()
	resp, err := http.Get("http://" + e.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func TestExporterServesTheLatestProgress(t *testing.T) {
	e, err := Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if body := scrape(t, e); strings.Contains(body, "kafka_consumergroup_lag") {
		t.Errorf("figures before any run:\n%s", body)
	}
	h := hdrhistogram.New(1, 3_600_000_000, 3)
	for range 90 {
		h.RecordValue(3_000) // 3 ms
	}
	for range 10 {
		h.RecordValue(700_000) // 700 ms
	}
	e.Observe(runner.Progress{Scenario: "s", Group: "kitchen-display", Topic: "orders", Stage: "workload", Elapsed: 12 * time.Second,
		Live: ledger.Live{Sent: 100, Acked: 97, Unknown: 3, Processed: 90,
			Lag: []ledger.LagPoint{{Partition: 2, Offsets: 600, Seconds: 3.5}}},
		Faults:  []string{"broker-kill: node 1", "consumer-slow: processing 50ms per event", "consumer-slow: processing 50ms per event"},
		Latency: map[string]*hdrhistogram.Histogram{"produce_ack": h}})
	body := scrape(t, e)
	for _, want := range []string{
		`kafka_consumergroup_lag{consumergroup="kitchen-display",partition="2",topic="orders"} 600`,
		`chaosrun_consumergroup_lag_seconds{consumergroup="kitchen-display",partition="2",topic="orders"} 3.5`,
		`chaosrun_sends_total{outcome="acked",scenario="s"} 97`,
		`chaosrun_sends_total{outcome="unknown",scenario="s"} 3`,
		`chaosrun_processed_total{scenario="s"} 90`,
		`chaosrun_fault_active{fault="broker-kill: node 1",scenario="s"} 1`,
		`chaosrun_fault_active{fault="consumer-slow: processing 50ms per event",scenario="s"} 2`,
		`chaosrun_produce_ack_seconds_bucket{scenario="s",le="0.005"} 90`,
		`chaosrun_produce_ack_seconds_bucket{scenario="s",le="0.5"} 90`,
		`chaosrun_produce_ack_seconds_bucket{scenario="s",le="1"} 100`,
		`chaosrun_produce_ack_seconds_count{scenario="s"} 100`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, body)
		}
	}
}

func TestServeRefusesABadAddress(t *testing.T) {
	if _, err := Serve("256.0.0.1:99999"); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("bad address: %v", err)
	}
}
