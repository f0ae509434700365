package ledger

import (
	"fmt"
	"time"
)

// DownstreamStats is what a service the kitchen display called saw of it.
type DownstreamStats struct {
	Requests   int64 // lookups that reached the service
	Overloaded int64 // refused at once: over capacity (503)
	Abandoned  int64 // waited for a slot, then served after the caller had given up
	Capacity   int64 // requests the service serves at once (0: unlimited)
	Callers    int64 // how many lookups the kitchen display may run at once
}

// SinkWriteStats is what the kitchen display's database writes cost: a
// database slower than the arrival interval allows is lag's first suspect.
type SinkWriteStats struct {
	Statements, Rows int64
	P50, P99         time.Duration // per statement
	Series           []SinkSecond
}

// SinkSecond is one second's successful writes: statements, rows, and the
// time they took together.
type SinkSecond struct {
	At               time.Time
	Statements, Rows int64
	Busy             time.Duration
}

// sinkWindow is how far before the worst lag the writes are summed.
const sinkWindow = 10 * time.Second

// downstreamSide holds the services' figures, by name, and the database's.
type downstreamSide struct {
	names []string
	stats []DownstreamStats
	sink  SinkWriteStats
}

// SinkWrites records what the kitchen's database writes cost in the run.
func (l *Ledger) SinkWrites(s SinkWriteStats) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	l.drain.downstream.sink = s
}

// sinkWrites describes the database's writes, for lag's evidence; "" when
// nothing was written.
// worst is when lag peaked: the writes in the sinkWindow before it are what
// the consumer could do while it fell behind.
func (l *Ledger) sinkWrites(worst time.Time) string {
	s := l.drain.downstream.sink
	if s.Statements == 0 {
		return ""
	}
	out := fmt.Sprintf("kitchen database writes: %d statements of %.1f rows on average, p50 %s, p99 %s each",
		s.Statements, float64(s.Rows)/float64(s.Statements), dur(s.P50), dur(s.P99))
	if worst.IsZero() {
		return out
	}
	var n, rows, secs int64
	var busy time.Duration
	from := worst.Add(-sinkWindow)
	if from.Before(l.start) {
		from = l.start
	}
	for _, sec := range s.Series {
		if !sec.At.Before(from) && !sec.At.Add(time.Second).After(worst) { // whole seconds inside the window
			n, rows, busy, secs = n+sec.Statements, rows+sec.Rows, busy+sec.Busy, secs+1
		}
	}
	if n == 0 {
		return out + fmt.Sprintf("; none from %s to the worst lag at %s", rel(l.start, from), rel(l.start, worst))
	}
	return out + fmt.Sprintf("; from %s to the worst lag at %s: %d statements (%.0f rows/s), %s each on average",
		rel(l.start, from), rel(l.start, worst), n, float64(rows)/float64(secs), dur(busy/time.Duration(n)))
}

// Downstream records what service name saw during the run.
func (l *Ledger) Downstream(name string, s DownstreamStats) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	d := &l.drain.downstream
	d.names, d.stats = append(d.names, name), append(d.stats, s)
}
