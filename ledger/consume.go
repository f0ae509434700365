package ledger

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/internal/seqset"
)

// orderBits splits an order id into its producer (high bits) and an ordinal
// that grows from 0 per producer.
const orderBits = 40

// consumerSide is the ledger's record of what the group processed.
type consumerSide struct {
	processed  seqset.Sets // by producer
	nProcessed int64       // first-time processings, for live progress
	strays     strays

	dups     int64
	dupFirst []string

	// Per-key order: the last step of each open order, and per producer the
	// ordinals of finished orders (those cancelled kept apart, for evidence).
	orders               map[uint64]Step
	finalized, cancelled seqset.Sets
	orderBad             int64
	orderFirst           []string

	fromIntended, fromSent *hdrhistogram.Histogram
	e2eSeries              latencySeries // from intended, per second processed

	kitchen kitchenSide
	foreign foreignSide
}

// Processed records that the group processed e at now. Processing the same
// send again counts as a duplicate and is not judged for order again.
func (l *Ledger) Processed(e *Event, now time.Time) {
	l.consMu.Lock()
	defer l.consMu.Unlock()
	c := &l.cons
	if why := l.stranger(e); why != belongs {
		c.strays.note("processed from", e, why)
		return
	}
	if !firstSight(&c.processed, e, &c.dups, &c.dupFirst, "processed again from") {
		return
	}
	c.nProcessed++
	if !e.Intended.IsZero() {
		recordLatency(c.fromIntended, now.Sub(e.Intended))
		c.e2eSeries.record(now, now.Sub(e.Intended))
	}
	l.phaseProcessed(ID{e.Producer, e.Seq}, e.Intended, now)
	if !e.Sent.IsZero() {
		recordLatency(c.fromSent, now.Sub(e.Sent))
	}
	c.checkOrder(e)
}

// checkOrder judges a first-time processing against its order's history.
// Records without a step take no part in the check.
func (c *consumerSide) checkOrder(e *Event) {
	if e.Step == StepUnknown {
		return
	}
	if final, ok := c.finalStep(e.Order); ok {
		c.violation(e, final)
		return
	}
	last, open := c.orders[e.Order]
	if open && e.Step.Rank() <= last.Rank() {
		c.violation(e, last)
		return
	}
	if !e.Step.Final() {
		c.orders[e.Order] = e.Step
		return
	}
	delete(c.orders, e.Order)
	c.finalize(e.Order, e.Step)
}

func (c *consumerSide) violation(e *Event, after Step) {
	c.orderBad++
	if room(c.orderFirst) {
		c.orderFirst = append(c.orderFirst, fmt.Sprintf("order %d: %s after %s (%s from partition %d offset %d)",
			e.Order, e.Step, after, idString(e.Producer, e.Seq), e.Partition, e.Offset))
	}
}

// splitOrder returns an order's producer and ordinal.
func splitOrder(order uint64) (producer, ordinal uint64) {
	return order >> orderBits, order & (1<<orderBits - 1)
}

// finalStep reports whether the order is finished, and with which step.
func (c *consumerSide) finalStep(order uint64) (Step, bool) {
	p, o := splitOrder(order)
	if p >= uint64(len(c.finalized)) || !c.finalized[p].Has(o) {
		return StepUnknown, false
	}
	if p < uint64(len(c.cancelled)) && c.cancelled[p].Has(o) {
		return StepCancelled, true
	}
	return StepCompleted, true
}

// finalize remembers a finished order. Ids outside the producer/ordinal
// scheme cannot be remembered; a late step of such an order goes unnoticed.
func (c *consumerSide) finalize(order uint64, step Step) {
	p, o := splitOrder(order)
	if p >= seqset.MaxProducers || o >= seqset.MaxSeq {
		return
	}
	c.finalized.At(p).Add(o)
	if step == StepCancelled {
		c.cancelled.At(p).Add(o)
	}
}

// Live is the run so far, for progress lines and metrics.
type Live struct {
	Sent, Acked, Failed, Unknown, Processed int64
	Lag                                     []LagPoint // each partition's latest sample
}

// Live reads the counts and lag so far; it may be called while the run goes on.
func (l *Ledger) Live() Live {
	var v Live
	l.prodMu.Lock()
	v.Sent, v.Acked, v.Failed, v.Unknown = l.prod.counts.Sent, l.prod.counts.Acked, l.prod.counts.Failed, l.prod.counts.Unknown
	l.prodMu.Unlock()
	l.consMu.Lock()
	v.Processed = l.cons.nProcessed
	l.consMu.Unlock()
	l.lagMu.Lock()
	for _, pa := range l.lag.parts {
		if pa.seen {
			v.Lag = append(v.Lag, pa.cur)
		}
	}
	l.lagMu.Unlock()
	return v
}

// LiveLatency clones the latency histograms so far (microseconds), keyed as
// in Report.Latency.
func (l *Ledger) LiveLatency() map[string]*hdrhistogram.Histogram {
	out := map[string]*hdrhistogram.Histogram{}
	l.prodMu.Lock()
	out["produce_ack"] = l.prod.ackLatency.Clone()
	l.prodMu.Unlock()
	l.consMu.Lock()
	out["e2e_from_intended"] = l.cons.fromIntended.Clone()
	out["e2e_from_sent"] = l.cons.fromSent.Clone()
	l.consMu.Unlock()
	return out
}

// firstSight adds e to sets and reports whether it was new there; a repeat
// counts in dups, and the first few are kept as evidence, worded by again.
func firstSight(sets *seqset.Sets, e *Event, dups *int64, first *[]string, again string) bool {
	if sets.At(uint64(e.Producer)).Add(e.Seq) {
		return true
	}
	*dups++
	if room(*first) {
		*first = append(*first, fmt.Sprintf("%s %s partition %d offset %d", idString(e.Producer, e.Seq), again, e.Partition, e.Offset))
	}
	return false
}
