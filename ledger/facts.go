package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Facts is what a finished run's ledger holds, for the verdicts to judge.
// Evidence lists are the ledger's own: read them, do not change them.
type Facts struct {
	Comparison
	Start  time.Time // what evidence times are relative to
	Counts Counts

	Untracked int64 // sends whose id was outside the tracked range

	AckGap               time.Duration // longest gap between successive acks
	AckGapFrom, AckGapTo time.Time

	Strays    [3]Strays // not this run's: processed, in the log, in the output topic
	DLQStrays int64     // in the dead-letter topic, not this run's

	ProcessedDups, LogDups Tally // processed again; copies in the log
	KeyOrder, LogOrder     Tally // order steps processed backwards; sends out of order in the log
	FinishedOrders         uint64
	OpenOrders             int
	PoisonSent             uint64

	Lag         []PartitionLag // by partition
	Lagging     int            // partitions behind at their latest sample
	LastSample  time.Time      // of lag; zero: never sampled
	Stopped     bool           // producers were reported stopped, at StopAt
	StopAt      time.Time
	Recovered   bool // lag reached 0 after producers stopped, at RecoveredAt
	RecoveredAt time.Time
	Log         []LogPartition // what the final drain saw, by partition
	Output      OutputFacts
	Downstream  []Service
	Recoveries  []Recovery
	KitchenDB   KitchenDB
	AckSeries   []LatencyPoint
	E2ESeries   []LatencyPoint
	SentSeries  []CountPoint
	LagSeries   []LagPoint
	Phases      []PhaseReport
	Group       GroupReport // as of the last lag sample
	Latency     map[string]*hdrhistogram.Histogram
	l           *Ledger
}

// Strays counts records read back that are not this run's, by cause.
type Strays struct {
	OtherRun, OtherEnv, BadID, Foreign int64
	First                              []string
}

// Total is every stray.
func (s Strays) Total() int64 { return s.OtherRun + s.OtherEnv + s.BadID + s.Foreign }

// PartitionLag is one partition's lag as sampled.
type PartitionLag struct {
	Sampled             bool
	Last                LagPoint // latest sample
	Worst, WorstOffsets LagPoint // most seconds, most offsets behind
	// Retention overtook the group: at At the log started at LogStart while
	// the group's committed offset was Committed (Overtaken false: never).
	Overtaken           bool
	OvertakenAt         time.Time
	LogStart, Committed int64
}

// LogPartition is what the final drain saw of one partition.
type LogPartition struct {
	Records    int64 // distinct records of this run
	Ended      bool  // the drain read it to its end
	Start, End int64
}

// OutputFacts is what the output topic held.
type OutputFacts struct {
	Drained     bool // the run had an output topic and it was read
	Records     int64
	Dups, Order Tally // results of one input beyond the first; results out of step order
}

// Service is what one downstream service saw.
type Service struct {
	Name string
	DownstreamStats
}

// Unowned is the longest a partition went without an owner.
type Unowned struct {
	For       time.Duration
	Partition int32
	From      time.Time
}

// Read calls fn with the run's facts while holding every side's lock; call it
// once everything else has stopped. Reading twice gives the same facts.
func (l *Ledger) Read(fn func(*Facts)) {
	defer l.lockAll()()
	fn(l.facts())
}

func (l *Ledger) facts() *Facts {
	c := l.compare()
	f := &Facts{
		Comparison: c, Start: l.start, Counts: l.counts(&c), Untracked: l.prod.untracked,
		AckGap: l.prod.gap, AckGapFrom: l.prod.gapFrom, AckGapTo: l.prod.gapTo,
		Strays:        [3]Strays{l.cons.strays.export(), l.drain.strays.export(), l.output.strays.export()},
		DLQStrays:     l.cons.kitchen.dlqStrays.total(),
		ProcessedDups: Tally{l.cons.dups, l.cons.dupFirst}, LogDups: Tally{l.drain.dups, l.drain.dupFirst},
		KeyOrder: Tally{l.cons.orderBad, l.cons.orderFirst}, LogOrder: Tally{l.drain.orderBad, l.drain.orderFirst},
		OpenOrders: len(l.cons.orders),
		Lagging:    l.lag.lagging, LastSample: l.lag.lastAt,
		Stopped: l.lag.stopped, StopAt: l.lag.stopAt, Recovered: l.lag.recovered, RecoveredAt: l.lag.recoveredAt,
		Output: OutputFacts{Drained: l.output.drained, Records: l.output.records,
			Dups: Tally{l.output.dups, l.output.dupFirst}, Order: Tally{l.output.orderBad, l.output.orderFirst}},
		KitchenDB:  l.kitchenDB(),
		AckSeries:  l.prod.ackSeries.snapshot(),
		E2ESeries:  l.cons.e2eSeries.snapshot(),
		SentSeries: l.prod.sentSeries.snapshot(),
		Latency: map[string]*hdrhistogram.Histogram{
			"produce_ack":       l.prod.ackLatency.Clone(),
			"e2e_from_intended": l.cons.fromIntended.Clone(),
			"e2e_from_sent":     l.cons.fromSent.Clone(),
		},
		LagSeries:  l.lag.report(),
		Phases:     l.phases.report(),
		Recoveries: l.recoveries(),
		Group:      l.groupReport(l.lag.lastAt),
		l:          l,
	}
	for _, s := range l.cons.finalized {
		f.FinishedOrders += s.Count()
	}
	for _, s := range l.cons.kitchen.poison {
		f.PoisonSent += s.Count()
	}
	for _, pa := range l.lag.parts {
		w := pa.passed
		f.Lag = append(f.Lag, PartitionLag{Sampled: pa.seen, Last: pa.cur, Worst: pa.worstSec, WorstOffsets: pa.worstOff,
			Overtaken: w.seen, OvertakenAt: w.at, LogStart: w.start, Committed: w.committed})
	}
	for _, d := range l.drain.parts {
		f.Log = append(f.Log, LogPartition{Records: d.records, Ended: d.ended, Start: d.start, End: d.end})
	}
	d := &l.drain.downstream
	for i, name := range d.names {
		f.Downstream = append(f.Downstream, Service{name, d.stats[i]})
	}
	return f
}

func (l *Ledger) counts(c *Comparison) Counts {
	n := l.prod.counts
	n.Processed = c.Processed
	n.InLog = c.InLog
	n.LostKafka = c.LostKafka.N
	n.LostConsumer = c.LostConsumer.N
	n.LostRetention = c.Retention.N
	n.LostUnconfirmed = c.Unconfirmed.N
	n.Unexpected = l.cons.strays.total() + l.drain.strays.total() + l.output.strays.total() + c.Unexpected()
	n.Duplicates = l.cons.dups
	n.LogDuplicate = l.drain.dups
	return n
}

func (s *strays) export() Strays {
	return Strays{OtherRun: s.otherRun, OtherEnv: s.otherEnv, BadID: s.badID, Foreign: s.foreign, First: s.first}
}

// PartitionLoss localises loss: truncated logs always, and when records are
// missing, partitions holding fewer of this run's records than were acked,
// never drained, or with their start deleted.
func (f *Facts) PartitionLoss(lost bool) []string {
	l := f.l
	var lines []string
	for p, pa := range l.prod.parts {
		if pa.acked == 0 {
			continue
		}
		var d drainPart
		if p < len(l.drain.parts) {
			d = l.drain.parts[p]
		}
		if !d.ended {
			if lost {
				lines = append(lines, fmt.Sprintf("partition %d: %d acked up to offset %d, but the drain never read it", p, pa.acked, pa.maxOffset))
			}
			continue
		}
		if pa.maxOffset >= d.end {
			lines = append(lines, fmt.Sprintf("partition %d: highest acked offset %d but log ends at %d", p, pa.maxOffset, d.end))
		}
		if lost && d.records < pa.acked {
			lines = append(lines, fmt.Sprintf("partition %d: %d acked but %d records of this run in the log", p, pa.acked, d.records))
		}
		switch {
		case !lost || d.start == 0:
		case l.prod.byPosition:
			lines = append(lines, fmt.Sprintf("partition %d: log starts at offset %d; acked records below it count under no-retention-loss, not here", p, d.start))
		default:
			lines = append(lines, fmt.Sprintf("partition %d: log starts at offset %d; earlier records were deleted, and without a retention setting in the scenario their positions were not kept to tell retention from loss", p, d.start))
		}
	}
	return lines
}

// Skew describes how the acked records spread over partitions: when only
// some partitions lag, an uneven key (a hot merchant) is the first suspect.
func (f *Facts) Skew() string {
	parts := f.l.prod.parts
	var total int64
	for _, pa := range parts {
		total += pa.acked
	}
	if total == 0 {
		return "no acked records to show how load spread over partitions"
	}
	out := make([]string, len(parts))
	for p, pa := range parts {
		out[p] = fmt.Sprintf("%d: %d (%.0f%%)", p, pa.acked, 100*float64(pa.acked)/float64(total))
	}
	return "acked records per partition: " + strings.Join(out, ", ")
}

// SinkWrites describes the kitchen database's writes around worst, for lag's
// evidence; "" when there were none.
func (f *Facts) SinkWrites(worst time.Time) string { return f.l.sinkWrites(worst) }

// ForeignDetails says what consumers of other environments took or refused;
// lost counts, by env, those never processed here.
func (f *Facts) ForeignDetails(lost map[string]int64) []string { return f.l.cons.foreign.details(lost) }

// Stall is a lagging partition whose commit stood still while others moved.
type Stall struct {
	Partition int32
	Offset    int64 // the committed offset it stood at
	Lag       int64
	From, To  time.Time
	Failing   string // the kitchen's latest failed attempt there, if any
}

// Stalls lists the stalls longer than limit during which other partitions'
// commits moved.
func (f *Facts) Stalls(limit time.Duration) []Stall {
	g := &f.l.lag
	var out []Stall
	for _, s := range g.allStalls(limit) {
		if g.othersMoved(s) {
			out = append(out, Stall{Partition: s.partition, Offset: s.offset, Lag: s.lag, From: s.from, To: s.to,
				Failing: f.l.cons.kitchen.failingOn(s.partition, s.offset)})
		}
	}
	return out
}

// GroupAt is the group's report as of end, with its longest unowned span.
func (f *Facts) GroupAt(end time.Time) (GroupReport, Unowned) {
	r := f.l.groupReport(end)
	g := &f.l.group
	g.mu.Lock()
	defer g.mu.Unlock()
	u := Unowned{g.worst, g.worstP, g.worstAt}
	for p, since := range g.since {
		if from := later(since, g.start); g.owner[p] == -1 && !since.IsZero() && end.Sub(from) > u.For {
			u = Unowned{end.Sub(from), int32(p), from}
		}
	}
	return r, u
}
