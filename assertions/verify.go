package assertions

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/ledger"
)

// Report is the judged run.
type Report struct {
	Counts   ledger.Counts
	Verdicts []Verdict
	// Latency holds the histograms "produce_ack", "e2e_from_intended" and
	// "e2e_from_sent", in microseconds.
	Latency map[string]*hdrhistogram.Histogram
	// AckSeries is produce-ack latency per second of the run (its counts
	// are acks per second); E2ESeries is end-to-end latency from the
	// intended send time per second processed (its counts are records
	// processed per second); SentSeries counts sends per second.
	AckSeries  []ledger.LatencyPoint
	E2ESeries  []ledger.LatencyPoint
	SentSeries []ledger.CountPoint
	// Lag is the series for reports: per partition at most one point per
	// second (that second's maxima, stamped with its start) plus the last sample.
	Lag       []ledger.LagPoint
	MaxAckGap time.Duration
	// Phases are the load phases, when the workload declared them.
	Phases []ledger.PhaseReport
	// Recoveries are every fault and flood and how the run came back.
	Recoveries []ledger.Recovery
	// Group is the consumer group's membership changes.
	Group ledger.GroupReport
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

// NewLedger starts the ledger of run in env for verdicts judged under c;
// start anchors the relative times in evidence.
func NewLedger(run, env string, start time.Time, c Criteria) *ledger.Ledger {
	return ledger.New(run, env, start, c.withDefaults().MaxStall)
}

// Verify judges the run l recorded under c (zero thresholds take their
// defaults). Call it once everything else has stopped; it may be called
// again and gives the same answer.
func Verify(l *ledger.Ledger, c Criteria) Report {
	c = c.withDefaults()
	var r Report
	l.Read(func(f *ledger.Facts) {
		r = Report{
			Counts:     f.Counts,
			Verdicts:   judgeAll(f, c),
			AckSeries:  f.AckSeries,
			E2ESeries:  f.E2ESeries,
			SentSeries: f.SentSeries,
			Latency:    f.Latency,
			Lag:        f.LagSeries,
			MaxAckGap:  f.AckGap,
			Phases:     f.Phases,
			Recoveries: f.Recoveries,
			Group:      f.Group,
		}
	})
	return r
}

// judgeAll runs every Catalog entry, in order.
func judgeAll(f *ledger.Facts, c Criteria) []Verdict {
	out := make([]Verdict, len(Catalog))
	for i, a := range Catalog {
		v := &out[i]
		v.Name, v.Enforced = a.Name, a.enforced(c)
		a.judge(f, c, v)
		v.Passed = v.Count == 0 // a verdict fails exactly when it counts offenders
	}
	return out
}
