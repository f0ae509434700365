package capacity

import (
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/runner"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// history is a probe at rate: 5 s warm-up, 15 s window, acked at acked/s
// with e2e p99 of p99ms, total lag per second given by lag(t) over two
// partitions, processed at the acked rate.
type history struct {
	rate, acked, p99 float64
	lag              func(sec int) int64
	unacked          int64
}

func (h history) probe() runner.Probe {
	win := t0.Add(5 * time.Second)
	res := &result.Result{StartedAt: t0, EndedAt: t0.Add(21 * time.Second),
		Workload: result.Workload{Consumers: 2, Workers: 4}, Latency: map[string]result.Latency{}}
	sent := int64(h.rate * 15)
	res.Phases = []result.Phase{
		{Name: "1: steady", Began: t0, Sent: int64(h.rate * 5), Acked: int64(h.rate * 5), Throughput: h.acked},
		{Name: "2: steady", Began: win, Ended: win.Add(15 * time.Second), Sent: sent, Acked: sent - h.unacked, Throughput: h.acked,
			ProduceAck: result.Latency{Count: sent, P50: 3, P99: 9}, E2E: result.Latency{Count: sent, P50: h.p99 / 3, P99: h.p99}},
	}
	for s := 0; s <= 20; s++ {
		at := t0.Add(time.Duration(s) * time.Second)
		n := h.lag(s)
		res.Lag = append(res.Lag, ledger.LagPoint{At: at, Partition: 0, Offsets: n / 2, Seconds: float64(n) / h.rate},
			ledger.LagPoint{At: at, Partition: 1, Offsets: n - n/2, Seconds: float64(n) / h.rate})
		res.E2ESeries = append(res.E2ESeries, ledger.LatencyPoint{At: at, Count: int64(h.acked)})
		res.AckSeries = append(res.AckSeries, ledger.LatencyPoint{At: at, Count: int64(h.acked)})
	}
	return runner.Probe{Result: res}
}

func flat(n int64) func(int) int64 { return func(int) int64 { return n } }

func TestJudgeHoldsASteadyProbe(t *testing.T) {
	// Lag noisy around 40 offsets (batches in flight), no trend.
	noisy := func(s int) int64 { return 40 + int64((s%3-1)*25) }
	pr := judge(history{rate: 1000, acked: 998, p99: 80, lag: noisy}.probe(), 1000, nil, DefaultShape, false)
	if !pr.Sustained || pr.Limit != "" {
		t.Fatalf("a probe that kept up: %+v", pr)
	}
	if pr.PublishRate != 998 || pr.ConsumeRate != 998 || pr.EndToEndLatency99pct != 80 {
		t.Errorf("figures: %+v", pr)
	}
}

func TestJudgeNamesWhatGaveOut(t *testing.T) {
	growing := func(s int) int64 { return int64(s) * 60 } // 60 offsets/s at 1000/s: 6% short
	slo, err := ParseSLO([]string{"p99<500ms"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		h      history
		edit   func(*runner.Probe)
		limit  string
		detail string
	}{
		{name: "acks behind", h: history{rate: 1000, acked: 950, p99: 80, lag: flat(10)}, limit: LimitProducers, detail: "acked 950/s of 1,000/s"},
		{name: "sends unacked", h: history{rate: 1000, acked: 1000, p99: 80, lag: flat(10), unacked: 300}, limit: LimitProducers, detail: "300 of the window's 15000 sends not acked"},
		{name: "lag grows", h: history{rate: 1000, acked: 1000, p99: 80, lag: growing}, limit: LimitGroup, detail: "lag grew 60 offsets/s"},
		{name: "lag too old", h: history{rate: 1000, acked: 1000, p99: 80, lag: flat(8000)}, limit: LimitGroup, detail: "lag reached 8.0s (limit 5s"},
		{name: "sink errors", h: history{rate: 1000, acked: 1000, p99: 80, lag: growing}, limit: LimitDownstream, detail: "12 consumer errors, the downstream's first: sink: connection refused",
			edit: func(p *runner.Probe) {
				p.ConsumerErrors = []result.ErrorSpan{{Error: "sink: connection refused", Count: 12}}
			}},
		{name: "database bound", h: history{rate: 1000, acked: 1000, p99: 80, lag: growing}, limit: LimitDownstream, detail: "workers spent 75% of their time in database writes",
			// 8 workers, 21 s: 15,000 writes of 8.4 ms each fill 75% of their time.
			edit: func(p *runner.Probe) {
				p.Latency[result.SinkWriteLatency] = result.Latency{Count: 15000, P50: 8.4}
			}},
		{name: "order service", h: history{rate: 1000, acked: 1000, p99: 80, lag: growing}, limit: LimitDownstream, detail: "order service overloaded 7 times",
			edit: func(p *runner.Probe) { p.OrderService = map[string]int64{"overloaded": 7} }},
		{name: "slo", h: history{rate: 1000, acked: 1000, p99: 612, lag: flat(10)}, limit: LimitSLO, detail: "e2e_intended.p99 = 612ms (limit < 500ms)"},
		{name: "stopped early", h: history{rate: 1000, acked: 1000, p99: 80, lag: flat(10)}, limit: LimitGroup, detail: "stopped early: consumer group: partition 1",
			edit: func(p *runner.Probe) { p.Stopped = "consumer group: partition 1 12.0s behind at t+9s" }},
	} {
		p := c.h.probe()
		if c.edit != nil {
			c.edit(&p)
		}
		pr := judge(p, 1000, slo, DefaultShape, false)
		if pr.Sustained || pr.Limit != c.limit || !strings.Contains(pr.Detail, c.detail) {
			t.Errorf("%s: sustained %v, limit %q, detail %q; want limit %q with %q", c.name, pr.Sustained, pr.Limit, pr.Detail, c.limit, c.detail)
		}
	}
}

// Producers only: lag is no one's business, the acks are.
func TestJudgeProducersOnly(t *testing.T) {
	growing := func(s int) int64 { return int64(s) * 1000 }
	if pr := judge(history{rate: 1000, acked: 1000, p99: 0, lag: growing}.probe(), 1000, nil, DefaultShape, true); !pr.Sustained {
		t.Errorf("no consumers, growing lag: %+v", pr)
	}
	if pr := judge(history{rate: 1000, acked: 900, lag: flat(0)}.probe(), 1000, nil, DefaultShape, true); pr.Sustained || pr.Limit != LimitProducers {
		t.Errorf("acks behind: %+v", pr)
	}
}

func TestJudgeWithoutAWindow(t *testing.T) {
	p := history{rate: 1000, acked: 1000, lag: flat(0)}.probe()
	p.Phases = p.Phases[:1]
	p.Stopped = "producers: 100 acked of 4000 due by t+5s"
	if pr := judge(p, 1000, nil, DefaultShape, false); pr.Sustained || pr.Limit != LimitProducers || !strings.Contains(pr.Detail, "during the warm-up") {
		t.Errorf("stopped in the warm-up: %+v", pr)
	}
}

func TestWatchStopsOnlyWhenClear(t *testing.T) {
	// run feeds a fresh watcher one progress a second until it stops or t+12s.
	run := func(acked func(sec int) int64, lag func(sec int) float64, producersOnly bool) (string, int) {
		w := watch(1000, 5*time.Second, DefaultShape, producersOnly)
		for sec := 1; sec <= 12; sec++ {
			p := runner.Progress{Stage: "workload", Elapsed: time.Duration(sec) * time.Second,
				Live: ledger.Live{Acked: acked(sec), Lag: []ledger.LagPoint{{Partition: 3, Seconds: lag(sec)}}}}
			if why := w(p); why != "" {
				return why, sec
			}
		}
		return "", 0
	}
	onTime := func(sec int) int64 { return int64(1000 * (sec - 1)) }
	noLag := func(int) float64 { return 1 }
	if why, _ := run(onTime, noLag, false); why != "" {
		t.Errorf("on schedule: %q", why)
	}
	if why, sec := run(func(sec int) int64 { return int64(700 * sec) }, noLag, false); sec != 8 || !strings.HasPrefix(why, "producers: 5600 acked of 7000 due by t+8s, 700/s lately") {
		t.Errorf("producers behind: %q at t+%d", why, sec)
	}
	// A fault's backlog: nothing acked for 5 s, then 2,000/s: catching up.
	catchUp := func(sec int) int64 { return int64(2000 * max(0, sec-5)) }
	if why, _ := run(catchUp, noLag, false); why != "" {
		t.Errorf("catching up: %q", why)
	}
	if why, sec := run(onTime, func(sec int) float64 { return float64(sec) }, false); sec != 11 || !strings.HasPrefix(why, "consumer group: partition 3 11.0s behind") {
		t.Errorf("lag beyond twice the limit: %q at t+%d", why, sec)
	}
	if why, _ := run(onTime, func(int) float64 { return 60 }, true); why != "" {
		t.Errorf("producers only ignore lag: %q", why)
	}
	if why, _ := run(func(int) int64 { return 0 }, func(int) float64 { return 60 }, false); !strings.HasPrefix(why, "producers") {
		t.Errorf("nothing acked: %q", why)
	}
}

// The Kafka client's own errors (a coordinator gone) are the group's, not
// the downstream's.
func TestJudgeClientErrorsAreTheGroups(t *testing.T) {
	p := history{rate: 1000, acked: 1000, p99: 80, lag: func(s int) int64 { return int64(s) * 60 }}.probe()
	p.ConsumerErrors = []result.ErrorSpan{{Error: "unable to join group session: broker closed the connection", Count: 10}}
	if pr := judge(p, 1000, nil, DefaultShape, false); pr.Limit != LimitGroup || !strings.Contains(pr.Detail, "10 consumer errors, first: unable to join") {
		t.Errorf("limit %q: %s", pr.Limit, pr.Detail)
	}
}

func TestSlopeAndItsError(t *testing.T) {
	var ls []lagAt
	for i := 0; i < 10; i++ {
		ls = append(ls, lagAt{t: float64(i), offsets: int64(100 + 5*i)})
	}
	b, se := slope(ls)
	if b < 4.999 || b > 5.001 || se > 1e-9 {
		t.Errorf("a straight line: slope %g ± %g", b, se)
	}
	if _, se := slope(ls[:2]); se < 1e300 {
		t.Errorf("two points tell nothing: ± %g", se)
	}
}

// At 10/s a record missing at each edge of the window is 1.4%: no shortfall.
func TestJudgeLowRateEdges(t *testing.T) {
	h := history{rate: 10, acked: 10, p99: 40, lag: flat(0)}
	p := h.probe()
	p.AckSeries[5].Count, p.AckSeries[19].Count = 9, 9
	if pr := judge(p, 10, nil, DefaultShape, false); !pr.Sustained {
		t.Errorf("a record short at each edge: %+v", pr)
	}
	for i := range p.AckSeries {
		p.AckSeries[i].Count = 9
	}
	if pr := judge(p, 10, nil, DefaultShape, false); pr.Sustained || pr.Limit != LimitProducers {
		t.Errorf("10%% short: %+v", pr)
	}
}

// A probe stopped early for lag, while the kitchen's database took the
// workers' time, is the downstream's limit, not the group's.
func TestJudgeEarlyStopNamesTheDownstream(t *testing.T) {
	p := history{rate: 1000, acked: 1000, p99: 80, lag: flat(10)}.probe()
	p.Stopped = "consumer group: partition 0 11.0s behind at t+9s"
	p.ConsumerErrors = []result.ErrorSpan{{Error: "sink: timeout", Count: 3}}
	if pr := judge(p, 1000, nil, DefaultShape, false); pr.Limit != LimitDownstream {
		t.Errorf("limit %q: %s", pr.Limit, pr.Detail)
	}
}
