package ledger

import (
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

// Diversion is how the kitchen display disposed of a record it could not
// process: every record ends processed, diverted, or nowhere.
type Diversion uint8

const (
	Skipped      Diversion = iota + 1 // logged and dropped (lost to the business)
	DeadLettered                      // published to the dead-letter topic
	GaveUp                            // parked, retried, given up: the order marked failed
	diversions   = 3
)

func (d Diversion) String() string {
	switch d {
	case Skipped:
		return "skipped"
	case DeadLettered:
		return "dead-lettered"
	case GaveUp:
		return "given up"
	}
	return "diverted"
}

// kitchenSide is what the kitchen display did besides processing, and what
// the run knows about poison: all of it off the hot path.
type kitchenSide struct {
	diverted     [diversions]seqset.Sets // by Diversion-1, then producer
	parked       seqset.Sets             // ever parked in the retry table
	poison       seqset.Sets             // sends whose value cannot be processed, by producer
	poisonOrders seqset.Sets             // ordinals of orders that hold poison, by producer
	wholeOrders  seqset.Sets             // of those, orders poison as a whole (the service refuses them)
	inDLQ        seqset.Sets             // dead-lettered records the drain found in the dead-letter topic
	dlqStrays    strays
	failing      []failure // per partition: its latest failed attempt
}

// failure is one partition's latest failed processing attempt.
type failure struct {
	seen     bool
	id       ID
	order    uint64
	step     Step
	offset   int64
	err      string
	attempts int
	since    time.Time // first failure of this record
}

// Poisoned records that the producers sent a record whose value cannot be
// processed (an undecodable payload, or an order the service rejects).
// wholeOrder: every record of the order is unprocessable from now on, also
// an earlier step not processed yet (the service refuses the order itself).
func (l *Ledger) Poisoned(id ID, order uint64, wholeOrder bool) {
	l.consMu.Lock()
	defer l.consMu.Unlock()
	k := &l.cons.kitchen
	if s := k.poison.At(uint64(id.Producer)); s != nil && id.Seq < seqset.MaxSeq {
		s.Add(id.Seq)
	}
	if p, o := splitOrder(order); p < seqset.MaxProducers && o < seqset.MaxSeq {
		k.poisonOrders.At(p).Add(o)
		if wholeOrder {
			k.wholeOrders.At(p).Add(o)
		}
	}
}

// Diverted records that the kitchen display disposed of e without
// processing it.
func (l *Ledger) Diverted(e *Event, how Diversion) {
	l.consMu.Lock()
	defer l.consMu.Unlock()
	if how < Skipped || how > GaveUp {
		return
	}
	if why := l.stranger(e); why != belongs {
		l.cons.strays.note(how.String()+" from", e, why)
		return
	}
	k := &l.cons.kitchen
	k.diverted[how-1].At(uint64(e.Producer)).Add(e.Seq)
	// Poison's doing, though the record itself is sound: any record of an
	// order the service refuses, and records given up behind a poison one.
	p, o := splitOrder(e.Order)
	if k.wholeOrders.Get(int(p)).Has(o) || (how == GaveUp && k.poisonOrders.Get(int(p)).Has(o)) {
		k.poison.At(uint64(e.Producer)).Add(e.Seq)
	}
}

// Parked records that e went to the retry table; it ends processed when a
// retry applies it, or diverted as GaveUp.
func (l *Ledger) Parked(e *Event) {
	l.consMu.Lock()
	defer l.consMu.Unlock()
	if l.stranger(e) == belongs {
		l.cons.kitchen.parked.At(uint64(e.Producer)).Add(e.Seq)
	}
}

// Failing records a failed attempt to process e, the evidence for a
// partition that stops moving.
func (l *Ledger) Failing(e *Event, err error, attempts int, now time.Time) {
	if !partitionOK(e.Partition) {
		return
	}
	l.consMu.Lock()
	defer l.consMu.Unlock()
	k := &l.cons.kitchen
	k.failing = growTo(k.failing, int(e.Partition))
	f := &k.failing[e.Partition]
	id := ID{e.Producer, e.Seq}
	if !f.seen || f.id != id || f.offset != e.Offset {
		*f = failure{seen: true, id: id, order: e.Order, step: e.Step, offset: e.Offset, since: now}
	}
	f.err, f.attempts = err.Error(), attempts
}

// DrainedDeadLetter records a record the final drain found in the
// dead-letter topic.
func (l *Ledger) DrainedDeadLetter(e *Event) {
	l.consMu.Lock()
	defer l.consMu.Unlock()
	k := &l.cons.kitchen
	if why := l.stranger(e); why != belongs {
		k.dlqStrays.note("in the dead-letter topic from", e, why)
		return
	}
	k.inDLQ.At(uint64(e.Producer)).Add(e.Seq)
}

// failingOn describes partition p's latest failure at or after offset, "".
func (k *kitchenSide) failingOn(p int32, offset int64) string {
	if int(p) >= len(k.failing) || !k.failing[p].seen || k.failing[p].offset < offset {
		return ""
	}
	f := k.failing[p]
	return fmt.Sprintf("stuck on %s (order %d %s) at offset %d: %s (%d attempts)",
		idString(f.id.Producer, f.id.Seq), f.order, f.step, f.offset, f.err, f.attempts)
}
