package assertions

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Report is the judged run.
type Report struct {
	Counts   Counts
	Verdicts []Verdict
	// Latency holds the histograms "produce_ack", "e2e_from_intended" and
	// "e2e_from_sent", in microseconds.
	Latency map[string]*hdrhistogram.Histogram
	// AckSeries is produce-ack latency per second of the run (its counts
	// are acks per second); E2ESeries is end-to-end latency from the
	// intended send time per second processed (its counts are records
	// processed per second); SentSeries counts sends per second.
	AckSeries  []LatencyPoint
	E2ESeries  []LatencyPoint
	SentSeries []CountPoint
	// Lag is the series for reports: per partition at most one point per
	// second (that second's maxima, stamped with its start) plus the last sample.
	Lag       []LagPoint
	MaxAckGap time.Duration
	// Phases are the load phases, when the workload declared them.
	Phases []PhaseReport
	// Recoveries are every fault and flood and how the run came back.
	Recoveries []Recovery
	// Group is the consumer group's membership changes.
	Group GroupReport
}

// Passed reports whether every enforced verdict passed.
func (r Report) Passed() bool { return len(r.Failing()) == 0 }

// Failing lists the enforced verdicts that failed, in report order.
func (r Report) Failing() []string {
	var names []string
	for _, v := range r.Verdicts {
		if v.Enforced && !v.Passed {
			names = append(names, v.Name)
		}
	}
	return names
}

// Verify judges the run. Call it once everything else has stopped; it may be
// called again and gives the same answer.
func (l *Ledger) Verify() Report {
	l.prodMu.Lock()
	defer l.prodMu.Unlock()
	l.consMu.Lock()
	defer l.consMu.Unlock()
	l.lagMu.Lock()
	defer l.lagMu.Unlock()
	l.drainMu.Lock()
	defer l.drainMu.Unlock()

	c := l.compare()
	return Report{
		Counts:     l.counts(&c),
		Verdicts:   l.judgeAll(&c),
		AckSeries:  l.prod.ackSeries.snapshot(),
		E2ESeries:  l.cons.e2eSeries.snapshot(),
		SentSeries: l.prod.sentSeries.snapshot(),
		Latency: map[string]*hdrhistogram.Histogram{
			"produce_ack":       l.prod.ackLatency.Clone(),
			"e2e_from_intended": l.cons.fromIntended.Clone(),
			"e2e_from_sent":     l.cons.fromSent.Clone(),
		},
		Lag:        l.lag.report(),
		MaxAckGap:  l.prod.gap,
		Phases:     l.phases.report(),
		Recoveries: l.recoveries(),
		Group:      l.groupReport(l.lag.lastAt),
	}
}

// judgeAll runs every Catalog entry, in order.
func (l *Ledger) judgeAll(c *comparison) []Verdict {
	out := make([]Verdict, len(Catalog))
	for i, a := range Catalog {
		v := &out[i]
		v.Name, v.Enforced = a.Name, a.enforced(l.crit)
		a.judge(l, c, v)
		v.Passed = v.Count == 0 // a verdict fails exactly when it counts offenders
	}
	return out
}

func (l *Ledger) counts(c *comparison) Counts {
	n := l.prod.counts
	n.Processed = c.processed
	n.InLog = c.inLog
	n.LostKafka = c.lostKafka.n
	n.LostConsumer = c.lostConsumer.n
	n.LostRetention = c.retention.n
	n.LostUnconfirmed = c.unconfirmed.n
	n.Unexpected = l.cons.strays.total() + l.drain.strays.total() + l.output.strays.total() + c.unexpected()
	n.Duplicates = l.cons.dups
	n.LogDuplicate = l.drain.dups
	return n
}
