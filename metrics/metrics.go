// Package metrics serves a run's live figures in Prometheus' text format:
// consumer lag under kafka-exporter's name and labels, and chaosrun_
// metrics for sends by outcome, processing, latency and active faults.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chaosrun/chaosrun/runner"
)

// DefaultAddr is where metrics are served unless told otherwise: loopback.
const DefaultAddr = "127.0.0.1:9464"

// Exporter holds the latest progress of the run in flight and renders it
// at each scrape.
type Exporter struct {
	mu   sync.Mutex
	last *runner.Progress
	srv  *http.Server
	addr string
}

// Serve listens on addr and serves /metrics until Close.
func Serve(addr string) (*Exporter, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	e := &Exporter{addr: ln.Addr().String()}
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go e.srv.Serve(ln)
	return e, nil
}

// Addr is the address served, with the port chosen when addr named 0.
func (e *Exporter) Addr() string { return e.addr }

// Observe keeps p as the figures the next scrape shows.
func (e *Exporter) Observe(p runner.Progress) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.last = &p
}

// Close stops serving.
func (e *Exporter) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

var (
	lagDesc = prometheus.NewDesc("kafka_consumergroup_lag", "Offsets the consumer group is behind, per partition (kafka-exporter's name and labels).",
		[]string{"consumergroup", "topic", "partition"}, nil)
	lagSecondsDesc = prometheus.NewDesc("chaosrun_consumergroup_lag_seconds", "How long ago the oldest record the group has not committed was appended, per partition.",
		[]string{"consumergroup", "topic", "partition"}, nil)
	sendsDesc     = prometheus.NewDesc("chaosrun_sends_total", "Sends of the run by outcome (acked, failed, unknown).", []string{"scenario", "outcome"}, nil)
	processedDesc = prometheus.NewDesc("chaosrun_processed_total", "Records the consumer group processed, each counted once.", []string{"scenario"}, nil)
	faultDesc     = prometheus.NewDesc("chaosrun_fault_active", "Faults injected and not yet healed, by type and target (2: two overlapping plans of one type on one target).", []string{"scenario", "fault"}, nil)
	elapsedDesc   = prometheus.NewDesc("chaosrun_elapsed_seconds", "Seconds since the workload began.", []string{"scenario", "stage"}, nil)
	latencyDescs  = map[string]*prometheus.Desc{
		"produce_ack":       prometheus.NewDesc("chaosrun_produce_ack_seconds", "Send to ack.", []string{"scenario"}, nil),
		"e2e_from_intended": prometheus.NewDesc("chaosrun_e2e_intended_seconds", "Intended send time to processed (no coordinated omission).", []string{"scenario"}, nil),
		"e2e_from_sent":     prometheus.NewDesc("chaosrun_e2e_sent_seconds", "Send to processed.", []string{"scenario"}, nil),
	}
	// Bucket bounds in seconds for the latency histograms.
	bounds = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}
)

// Describe is part of prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lagDesc, lagSecondsDesc, sendsDesc, processedDesc, faultDesc, elapsedDesc} {
		ch <- d
	}
	for _, d := range latencyDescs {
		ch <- d
	}
}

// Collect is part of prometheus.Collector: the latest progress, if any.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	p := e.last
	e.mu.Unlock()
	if p == nil {
		return // no run in flight yet
	}
	for _, l := range p.Lag {
		part := strconv.Itoa(int(l.Partition))
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(l.Offsets), p.Group, p.Topic, part)
		ch <- prometheus.MustNewConstMetric(lagSecondsDesc, prometheus.GaugeValue, l.Seconds, p.Group, p.Topic, part)
	}
	for outcome, n := range map[string]int64{"acked": p.Acked, "failed": p.Failed, "unknown": p.Unknown} {
		ch <- prometheus.MustNewConstMetric(sendsDesc, prometheus.CounterValue, float64(n), p.Scenario, outcome)
	}
	ch <- prometheus.MustNewConstMetric(processedDesc, prometheus.CounterValue, float64(p.Processed), p.Scenario)
	ch <- prometheus.MustNewConstMetric(elapsedDesc, prometheus.GaugeValue, p.Elapsed.Seconds(), p.Scenario, p.Stage)
	// Two plans of one type on one target are one label set: count them.
	active := map[string]int{}
	for _, f := range p.Faults {
		active[f]++
	}
	for f, n := range active {
		ch <- prometheus.MustNewConstMetric(faultDesc, prometheus.GaugeValue, float64(n), p.Scenario, f)
	}
	for name, h := range p.Latency {
		if d := latencyDescs[name]; d != nil && h != nil {
			count, sum, buckets := bucketsOf(h)
			ch <- prometheus.MustNewConstHistogram(d, count, sum, buckets, p.Scenario)
		}
	}
}

// bucketsOf turns an HdrHistogram of microseconds into cumulative
// Prometheus buckets in seconds; the sum is the histogram's mean times its
// count, as close as the histogram knows.
func bucketsOf(h *hdrhistogram.Histogram) (count uint64, sum float64, buckets map[float64]uint64) {
	buckets = make(map[float64]uint64, len(bounds))
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		upper := float64(bar.To) / 1e6
		for _, b := range bounds {
			if upper <= b {
				buckets[b] += uint64(bar.Count)
			}
		}
	}
	for _, b := range bounds {
		if _, ok := buckets[b]; !ok {
			buckets[b] = 0
		}
	}
	count = uint64(h.TotalCount())
	return count, h.Mean() / 1e6 * float64(count), buckets
}
