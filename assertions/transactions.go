package assertions

import (
	"fmt"
	"time"
)

// Aborted records a send whose transaction was aborted: it may sit in the
// log, but no read_committed reader may ever see it, and nothing may act on it.
func (l *Ledger) Aborted(id ID, intended, sent, now time.Time) {
	l.prodMu.Lock()
	defer l.prodMu.Unlock()
	l.prod.counts.Aborted++
	if s := l.prod.outcome(id, intended, sent, LateAfter); s != nil {
		s.aborted.add(id.Seq)
	}
	l.phaseSent(id, now)
}

// outputSide is the ledger's record of the pipeline's output topic: what
// the kitchen display forwarded for each input record, as a read_committed
// reader finds it after the run.
type outputSide struct {
	drained bool    // the output topic was read: the run has a pipeline
	got     seqSets // by producer of the input record
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
	if !o.got.at(uint64(e.Producer)).add(e.Seq) {
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

func (l *Ledger) abortedRead(c *comparison, v *Verdict) {
	v.Count = c.abortedProcessed.n + c.abortedLogged.n + c.abortedOutput.n
	for _, list := range [][]string{c.abortedProcessed.first, c.abortedLogged.first, c.abortedOutput.first} {
		for _, s := range list {
			keep(&v.First, s)
		}
	}
	aborted := l.prod.counts.Aborted
	if aborted == 0 {
		v.Summary = "no transaction was aborted in this run"
		return
	}
	v.Summary = fmt.Sprintf("%d reads of records from aborted transactions (%d records aborted)", v.Count, aborted)
	if c.abortedProcessed.n > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d processed by the kitchen display: a consumer with isolation.level=read_uncommitted acts on data its producer took back", c.abortedProcessed.n))
	}
	if c.abortedLogged.n > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d returned to the read_committed final drain: the brokers exposed aborted data", c.abortedLogged.n))
	}
	if c.abortedOutput.n > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d have a result in the output topic", c.abortedOutput.n))
	}
}

func (l *Ledger) duplicateOutput(_ *comparison, v *Verdict) {
	o := &l.output
	if !o.drained {
		v.Summary = "no output topic in this run"
		return
	}
	v.Count, v.First = o.dups, o.dupFirst
	v.Summary = fmt.Sprintf("%d input records with more than one result in the output topic (%d results read)", v.Count, o.records)
	if v.Count > 0 {
		v.Details = []string{"exactly-once broken: a member forwarded a batch, died or was fenced before committing its input offsets, and the batch was processed and forwarded again"}
	}
}

func (l *Ledger) lostCommit(c *comparison, v *Verdict) {
	if !l.output.drained {
		v.Summary = "no output topic in this run"
		return
	}
	if l.lag.lagging > 0 || l.lag.lastAt.IsZero() {
		// Only a group that committed everything has committed past every
		// record it processed; before that, a missing result may belong to
		// a transaction that was aborted and not yet done again.
		v.Summary = fmt.Sprintf("not judged: the group had not committed all its input at the last lag sample (%d partitions behind); no-consumer-loss and lag-recovers judge that", l.lag.lagging)
		return
	}
	v.Count, v.First = c.lostOutput.n, c.lostOutput.first
	v.Summary = fmt.Sprintf("%d processed input records without a committed result in the output topic (%d processed)", v.Count, c.processed)
	if v.Count > 0 {
		v.Details = []string{"their input offsets were committed while their results were not: the next owner of the partition starts after them"}
	}
}

func (l *Ledger) outputOrder(_ *comparison, v *Verdict) {
	o := &l.output
	if !o.drained {
		v.Summary = "no output topic in this run"
		return
	}
	v.Count, v.First = o.orderBad, o.orderFirst
	v.Summary = fmt.Sprintf("%d results in the output topic out of their order's step order", v.Count)
}
