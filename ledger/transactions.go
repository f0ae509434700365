package ledger

import (
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

// Aborted records a send whose transaction was aborted: it may sit in the
// log, but no read_committed reader may ever see it, and nothing may act on it.
func (l *Ledger) Aborted(id ID, intended, sent, now time.Time) {
	l.settle(id, intended, sent, now, &l.prod.counts.Aborted, func(s *sends) *seqset.Set { return &s.aborted })
}

// outputSide is the ledger's record of the pipeline's output topic: what
// the kitchen display forwarded for each input record, as a read_committed
// reader finds it after the run.
type outputSide struct {
	drained bool        // the output topic was read: the run has a pipeline
	got     seqset.Sets // by producer of the input record
	strays  strays
	records int64

	dups     int64
	dupFirst []string

	// Per-key order over each input record's first result: the last step
	// seen of every order.
	last       map[uint64]Step
	orderBad   int64
	orderFirst []string
}

// DrainedOutput records one record found in the output topic, carrying the
// identity of the input record it is the result of. Records of a partition
// must be reported in offset order.
func (l *Ledger) DrainedOutput(e *Event) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	o := &l.output
	o.drained = true
	if why := l.stranger(e); why != belongs {
		o.strays.note("in output at", e, why)
		return
	}
	o.records++
	if !o.got.At(uint64(e.Producer)).Add(e.Seq) {
		o.dups++
		if room(o.dupFirst) {
			o.dupFirst = append(o.dupFirst, fmt.Sprintf("%s in output again at partition %d offset %d",
				idString(e.Producer, e.Seq), e.Partition, e.Offset))
		}
		return // a copy is judged by no-duplicate-output, not again for order
	}
	if e.Step == StepUnknown {
		return
	}
	if o.last == nil {
		o.last = map[uint64]Step{}
	}
	prev, seen := o.last[e.Order]
	if seen && (e.Step.Rank() < prev.Rank() || prev.Final()) {
		o.orderBad++
		if room(o.orderFirst) {
			o.orderFirst = append(o.orderFirst, fmt.Sprintf("order %d: %s (%s) at output partition %d offset %d after %s",
				e.Order, e.Step, idString(e.Producer, e.Seq), e.Partition, e.Offset, prev))
		}
		return
	}
	o.last[e.Order] = e.Step
}

// OutputRead marks the output topic as read even when it held nothing.
func (l *Ledger) OutputRead() {
	l.drainMu.Lock()
	l.output.drained = true
	l.drainMu.Unlock()
}

// DrainedOutputForeign records an output record whose identity could not be read.
func (l *Ledger) DrainedOutputForeign(partition int32, offset int64, why string) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	l.output.drained = true
	l.output.strays.noteForeign(partition, offset, why)
}
