package thresholds

import (
	"math"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/result"
)

// registry is every metric a threshold may name.
var registry = buildRegistry()

func buildRegistry() map[string]metric {
	registry := map[string]metric{}
	// Latency percentiles, by the names a reader knows the histograms by.
	hists := []struct{ name, key, doc string }{
		{"produce_ack", "produce_ack", "send to ack"},
		{"e2e_intended", "e2e_from_intended", "intended send time to processed"},
		{"e2e_sent", "e2e_from_sent", "send to processed"},
		{"sink_write", result.SinkWriteLatency, "one kitchen database write statement"},
	}
	for _, h := range hists {
		for _, q := range []struct {
			suffix string
			get    func(result.Latency) float64
		}{
			{"p50", func(l result.Latency) float64 { return l.P50 }},
			{"p90", func(l result.Latency) float64 { return l.P90 }},
			{"p99", func(l result.Latency) float64 { return l.P99 }},
			{"p99.9", func(l result.Latency) float64 { return l.P999 }},
			{"max", func(l result.Latency) float64 { return l.Max }},
		} {
			key, get := h.key, q.get
			registry[h.name+"."+q.suffix] = metric{kind: duration, doc: q.suffix + " latency, " + h.doc,
				read: func(r *result.Result) (float64, bool, string) {
					l, ok := r.Latency[key]
					if !ok || l.Count == 0 {
						return 0, false, "no " + key + " latency recorded"
					}
					return get(l), true, ""
				}}
		}
	}
	counts := map[string]func(ledger.Counts) int64{
		"sent": func(c ledger.Counts) int64 { return c.Sent }, "acked": func(c ledger.Counts) int64 { return c.Acked },
		"failed": func(c ledger.Counts) int64 { return c.Failed }, "unknown": func(c ledger.Counts) int64 { return c.Unknown },
		"late": func(c ledger.Counts) int64 { return c.Late }, "processed": func(c ledger.Counts) int64 { return c.Processed },
		"in_log": func(c ledger.Counts) int64 { return c.InLog }, "lost_kafka": func(c ledger.Counts) int64 { return c.LostKafka },
		"lost_consumer":    func(c ledger.Counts) int64 { return c.LostConsumer },
		"lost_retention":   func(c ledger.Counts) int64 { return c.LostRetention },
		"lost_unconfirmed": func(c ledger.Counts) int64 { return c.LostUnconfirmed },
		"unexpected":       func(c ledger.Counts) int64 { return c.Unexpected },
		"duplicates":       func(c ledger.Counts) int64 { return c.Duplicates },
		"log_duplicates":   func(c ledger.Counts) int64 { return c.LogDuplicate },
	}
	for name, get := range counts {
		registry[name] = metric{kind: count, doc: "count: " + name + " (result.json counts)",
			read: func(r *result.Result) (float64, bool, string) { return float64(get(r.Counts)), true, "" }}
	}
	registry["lag.max"] = metric{kind: duration, doc: "the worst per-partition lag in time",
		read: func(r *result.Result) (float64, bool, string) {
			if len(r.Lag) == 0 {
				return 0, false, "lag was never sampled"
			}
			worst := 0.0
			for _, p := range r.Lag {
				worst = math.Max(worst, p.Seconds)
			}
			return worst * 1000, true, ""
		}}
	registry["lag.max_offsets"] = metric{kind: count, doc: "the worst per-partition lag in offsets",
		read: func(r *result.Result) (float64, bool, string) {
			if len(r.Lag) == 0 {
				return 0, false, "lag was never sampled"
			}
			var worst int64
			for _, p := range r.Lag {
				worst = max(worst, p.Offsets)
			}
			return float64(worst), true, ""
		}}
	registry["recovery"] = metric{kind: duration, doc: "the longest time, after a fault or flood ended, until lag was back to its level before it",
		read: recoveries(false, func(rc result.Recovery) *float64 { return rc.LagBack })}
	// Acks go on through a flood: only faults have a first ack after them.
	registry["first_ack"] = metric{kind: duration, doc: "the longest time, after a fault ended, until the first ack",
		read: recoveries(true, func(rc result.Recovery) *float64 { return rc.FirstAck })}
	registry["rebalances"] = metric{kind: count, doc: "consumer group generations during the workload",
		read: func(r *result.Result) (float64, bool, string) {
			if r.Group == nil {
				return 0, false, "no consumer group record"
			}
			return float64(r.Group.Rebalances), true, ""
		}}
	registry["unowned.max"] = metric{kind: duration, doc: "the longest time in all one partition had no owner during the workload",
		read: func(r *result.Result) (float64, bool, string) {
			if r.Group == nil {
				return 0, false, "no consumer group record"
			}
			worst := 0.0
			for _, s := range r.Group.UnownedS {
				worst = math.Max(worst, s)
			}
			return worst * 1000, true, ""
		}}
	return registry
}

// recoveries reads the worst of one recovery figure (of faults only, with
// faultsOnly); one that never came within the run is infinitely late.
func recoveries(faultsOnly bool, get func(result.Recovery) *float64) func(*result.Result) (float64, bool, string) {
	return func(r *result.Result) (float64, bool, string) {
		worst, seen := 0.0, false
		for _, rc := range r.Recoveries {
			if faultsOnly && rc.Kind == "flood" {
				continue
			}
			seen = true
			s := get(rc)
			if s == nil {
				return math.Inf(1), true, ""
			}
			worst = math.Max(worst, *s)
		}
		if !seen && faultsOnly {
			return 0, false, "no fault to recover from"
		}
		if !seen {
			return 0, false, "no fault or flood to recover from"
		}
		return worst * 1000, true, ""
	}
}
