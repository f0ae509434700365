package capacity

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/thresholds"
)

// Limits the search names: what gave out first at a rate that did not hold.
const (
	LimitProducers  = "producers"      // acks fell behind the target
	LimitGroup      = "consumer group" // lag grew: the members could not keep up
	LimitDownstream = "downstream"     // the kitchen's database or order service: errors, or most of the workers' time
	LimitSLO        = "slo"            // kept up, but a latency objective failed
)

// Tolerances of the judgement.
const (
	// keepUp is how close the acked rate must come to the target.
	keepUp = 0.99
	// downstreamShare: when lag grows and the workers spend at least this
	// share of their time in database writes, the database is the limit.
	downstreamShare = 0.5
)

// ProbeResult is one probe, with OpenMessaging Benchmark's field names
// where they fit (rates in records/s, latencies in ms).
type ProbeResult struct {
	TargetRate float64 `json:"targetRate"`
	// PublishRate is acks per second over the judged window.
	PublishRate float64 `json:"publishRate"`
	// ConsumeRate is records processed per second over the window (0 with
	// --producers-only).
	ConsumeRate float64 `json:"consumeRate"`
	// Backlog is the offsets behind over all partitions at the window's end;
	// BacklogGrowth its trend over the window, offsets per second.
	Backlog       int64   `json:"backlog"`
	BacklogGrowth float64 `json:"backlogGrowthPerSecond"`
	MaxLagSeconds float64 `json:"maxLagSeconds"`

	PublishLatency50pct  float64 `json:"publishLatency50pct"`
	PublishLatency99pct  float64 `json:"publishLatency99pct"`
	PublishLatencyMax    float64 `json:"publishLatencyMax"`
	EndToEndLatency50pct float64 `json:"endToEndLatency50pct"`
	EndToEndLatency99pct float64 `json:"endToEndLatency99pct"`
	EndToEndLatencyMax   float64 `json:"endToEndLatencyMax"`

	SendFailures   int64 `json:"sendFailures"`
	ConsumerErrors int64 `json:"consumerErrors"`
	// DBShare is the share of the workers' time spent in database writes.
	DBShare float64 `json:"dbShare"`

	Sustained bool    `json:"sustained"`
	Limit     string  `json:"limit,omitempty"`
	Detail    string  `json:"detail"`
	Stopped   string  `json:"stoppedEarly,omitempty"`
	Seconds   float64 `json:"seconds"` // the probe's wall time, set up and clean up included
}

// judge reads one probe at target: the window is its second phase.
func judge(p runner.Probe, target float64, slo []thresholds.Threshold, shape Shape, producersOnly bool) ProbeResult {
	res := p.Result
	pr := ProbeResult{TargetRate: target, Stopped: p.Stopped, SendFailures: res.Counts.Failed + res.Counts.Unknown}
	if len(res.Phases) < 2 || res.Phases[1].Began.IsZero() {
		pr.Limit, pr.Detail = LimitProducers, "the judged window never began"
		if p.Stopped != "" {
			pr.Limit, pr.Detail = LimitGroup, "stopped during the warm-up: "+p.Stopped
			if strings.HasPrefix(p.Stopped, "producers") {
				pr.Limit = LimitProducers
			}
		}
		return pr
	}
	w := res.Phases[1]
	from, to := w.Began, w.Began.Add(shape.Window)
	if p.Stopped != "" {
		to = res.EndedAt
	}
	if f := res.Window(from, to); f != nil {
		pr.PublishRate, pr.ConsumeRate = f.AcksPerS, f.ProcessedPerS
	}
	pr.PublishLatency50pct, pr.PublishLatency99pct, pr.PublishLatencyMax = w.ProduceAck.P50, w.ProduceAck.P99, w.ProduceAck.Max
	pr.EndToEndLatency50pct, pr.EndToEndLatency99pct, pr.EndToEndLatencyMax = w.E2E.P50, w.E2E.P99, w.E2E.Max
	for _, e := range res.ConsumerErrors {
		pr.ConsumerErrors += e.Count
	}
	growthErr := 0.0
	if !producersOnly { // without a group, lag is the whole log: no one's
		lag := totalLag(res, from, to)
		if len(lag) > 0 {
			pr.Backlog = lag[len(lag)-1].offsets
			pr.BacklogGrowth, growthErr = slope(lag)
		}
		// The wait for the window's last records after the load counts too.
		for _, pt := range res.Lag {
			if !pt.At.Before(from) {
				pr.MaxLagSeconds = math.Max(pr.MaxLagSeconds, pt.Seconds)
			}
		}
	}
	pr.DBShare = dbShare(res, p.Result.Workload.Consumers*p.Result.Workload.Workers)

	var fails []string
	fail := func(limit, format string, args ...any) {
		if pr.Limit == "" {
			pr.Limit = limit
		}
		fails = append(fails, fmt.Sprintf(format, args...))
	}
	consumerLimit := LimitGroup
	if downstreamError(res) != "" || pr.DBShare >= downstreamShare || orderServiceOverloaded(res) {
		consumerLimit = LimitDownstream
	}
	if p.Stopped != "" {
		limit := consumerLimit
		if strings.HasPrefix(p.Stopped, "producers") {
			limit = LimitProducers
		}
		fail(limit, "stopped early: %s", p.Stopped)
	}
	// Acks counted over the window's whole seconds; a record or two at its
	// edges is not a shortfall at low rates.
	seconds := math.Floor(to.Sub(from).Seconds())
	short := target*seconds - pr.PublishRate*seconds
	switch {
	case w.Acked < w.Sent:
		fail(LimitProducers, "%d of the window's %d sends not acked", w.Sent-w.Acked, w.Sent)
	case short > max((1-keepUp)*target*seconds, 2):
		fail(LimitProducers, "acked %s/s of %s/s", RateText(pr.PublishRate), RateText(target))
	}
	if !producersOnly {
		// Growing means all of: faster than the 1% the target allows, clearly
		// above the noise of batches in flight (two standard errors), and by
		// more than a quarter second of records over the window.
		window := to.Sub(from).Seconds()
		if pr.BacklogGrowth > (1-keepUp)*target && pr.BacklogGrowth > 2*growthErr &&
			pr.BacklogGrowth*window > 0.25*target {
			fail(consumerLimit, "lag grew %.0f offsets/s to %d (%s)", pr.BacklogGrowth, pr.Backlog, consumerWhy(pr, res))
		}
		if lim := shape.MaxLag.Seconds(); pr.MaxLagSeconds > lim {
			fail(consumerLimit, "lag reached %.1fs (limit %.0fs; %s)", pr.MaxLagSeconds, lim, consumerWhy(pr, res))
		}
	}
	if len(slo) > 0 {
		window := windowResult(res, w)
		for _, t := range slo {
			if v := t.Judge(window); !v.Passed {
				fail(LimitSLO, "%s", v.Summary)
			}
		}
	}
	pr.Sustained = len(fails) == 0
	if pr.Sustained {
		pr.Detail = fmt.Sprintf("acked %s/s, e2e p99 %.0fms, lag %d offsets (trend %+.0f/s)",
			RateText(pr.PublishRate), pr.EndToEndLatency99pct, pr.Backlog, pr.BacklogGrowth)
		if producersOnly {
			pr.Detail = fmt.Sprintf("acked %s/s, produce p99 %.0fms", RateText(pr.PublishRate), pr.PublishLatency99pct)
		}
	} else {
		pr.Detail = strings.Join(fails, "; ")
	}
	return pr
}

// consumerWhy says where the kitchen display's time went.
func consumerWhy(pr ProbeResult, res *result.Result) string {
	switch {
	case downstreamError(res) != "":
		return fmt.Sprintf("%d consumer errors, the downstream's first: %s", pr.ConsumerErrors, downstreamError(res))
	case pr.ConsumerErrors > 0:
		return fmt.Sprintf("processed %s/s; %d consumer errors, first: %s", RateText(pr.ConsumeRate), pr.ConsumerErrors, res.ConsumerErrors[0].Error)
	case orderServiceOverloaded(res):
		return fmt.Sprintf("order service overloaded %d times", res.OrderService["overloaded"]+res.OrderService["rejected"])
	case pr.DBShare > 0:
		return fmt.Sprintf("processed %.0f/s; workers spent %.0f%% of their time in database writes", pr.ConsumeRate, pr.DBShare*100)
	}
	return fmt.Sprintf("processed %.0f/s", pr.ConsumeRate)
}

// downstreamError is the kitchen display's first error that came from its
// database or the order service ("" when none did); errors of the Kafka
// client (fetch, join, commit) are the group's own.
func downstreamError(res *result.Result) string {
	for _, e := range res.ConsumerErrors {
		if strings.Contains(e.Error, "sink:") || strings.Contains(e.Error, "order service:") || strings.HasPrefix(e.Error, "retry table:") {
			return e.Error
		}
	}
	return ""
}

func orderServiceOverloaded(res *result.Result) bool {
	return res.OrderService["overloaded"]+res.OrderService["rejected"] > 0
}

type lagAt struct {
	t       float64 // seconds since the window began
	offsets int64
}

// totalLag sums the partitions' lag per second of the window.
func totalLag(res *result.Result, from, to time.Time) []lagAt {
	sums := map[int64]int64{}
	for _, pt := range res.Lag {
		// Whole seconds only: the series also ends with each partition's
		// last raw sample, which would count its second twice.
		if pt.At.Before(from.Truncate(time.Second)) || pt.At.After(to) || !pt.At.Equal(pt.At.Truncate(time.Second)) {
			continue
		}
		sums[pt.At.Truncate(time.Second).Unix()] += pt.Offsets
	}
	out := make([]lagAt, 0, len(sums))
	for sec, n := range sums {
		out = append(out, lagAt{t: float64(sec) - float64(from.Unix()), offsets: n})
	}
	slices.SortFunc(out, func(a, b lagAt) int { return cmp.Compare(a.t, b.t) })
	return out
}

// slope is the least-squares trend of lag, offsets per second, and its
// standard error (0 and +Inf with too few points to tell).
func slope(ls []lagAt) (b, stderr float64) {
	n := float64(len(ls))
	if n < 3 {
		return 0, math.Inf(1)
	}
	var mx, my float64
	for _, l := range ls {
		mx, my = mx+l.t/n, my+float64(l.offsets)/n
	}
	var sxx, sxy float64
	for _, l := range ls {
		dx := l.t - mx
		sxx, sxy = sxx+dx*dx, sxy+dx*(float64(l.offsets)-my)
	}
	if sxx == 0 {
		return 0, math.Inf(1)
	}
	b = sxy / sxx
	var sse float64
	for _, l := range ls {
		r := float64(l.offsets) - (my + b*(l.t-mx))
		sse += r * r
	}
	return b, math.Sqrt(sse/(n-2)) / math.Sqrt(sxx)
}

// dbShare estimates the share of the workers' time spent in database
// writes over the whole probe, from the writes' median cost.
func dbShare(res *result.Result, workers int) float64 {
	l, ok := res.Latency[result.SinkWriteLatency]
	span := res.EndedAt.Sub(res.StartedAt).Seconds()
	if !ok || workers == 0 || span <= 0 {
		return 0
	}
	return math.Min(1, float64(l.Count)*l.P50/1000/(float64(workers)*span))
}

// windowResult is a result holding only the window's latencies and lag, for
// SLO thresholds.
func windowResult(res *result.Result, w result.Phase) *result.Result {
	out := &result.Result{Counts: res.Counts, Latency: map[string]result.Latency{
		"produce_ack": w.ProduceAck, "e2e_from_intended": w.E2E,
	}}
	if l, ok := res.Latency[result.SinkWriteLatency]; ok {
		out.Latency[result.SinkWriteLatency] = l
	}
	for _, pt := range res.Lag {
		if !pt.At.Before(w.Began) {
			out.Lag = append(out.Lag, pt)
		}
	}
	return out
}

// watch stops a probe early once it cannot hold: lag beyond the limit, or
// the producers clearly behind their schedule.
// Producers count as behind only while they are not catching up: a fault's
// backlog worked off after its warm-up is no reason to stop.
func watch(target float64, warm time.Duration, shape Shape, producersOnly bool) func(runner.Progress) string {
	var recent []runner.Progress // the last few seconds
	return func(p runner.Progress) string {
		recent = append(recent, p)
		if len(recent) > 4 {
			recent = recent[1:]
		}
		if p.Elapsed < warm+3*time.Second {
			return ""
		}
		due := target * (p.Elapsed - time.Second).Seconds() // a second's grace for acks in flight
		first := recent[0]
		span := (p.Elapsed - first.Elapsed).Seconds()
		pace := float64(p.Acked-first.Acked) / span
		if float64(p.Acked) < 0.9*due && span > 0 && pace < 0.9*target {
			return fmt.Sprintf("producers: %d acked of %.0f due by t+%.0fs, %s/s lately", p.Acked, due, p.Elapsed.Seconds(), RateText(pace))
		}
		if producersOnly {
			return ""
		}
		for _, l := range p.Lag {
			if l.Seconds > 2*shape.MaxLag.Seconds() {
				return fmt.Sprintf("consumer group: partition %d %.1fs behind at t+%.0fs", l.Partition, l.Seconds, p.Elapsed.Seconds())
			}
		}
		return ""
	}
}
