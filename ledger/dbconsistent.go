package ledger

import (
	"fmt"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

// orderSteps records, per order, which steps were seen: one set of order
// ordinals per step and producer, so memory follows gaps, not orders.
type orderSteps [StepCancelled]seqset.Sets

func (o *orderSteps) add(order uint64, step Step) {
	p, ord := splitOrder(order)
	if step == StepUnknown || step > StepCancelled || ord >= seqset.MaxSeq {
		return
	}
	if s := o[step-1].At(p); s != nil {
		s.Add(ord)
	}
}

// last is the highest-ranked step seen of producer p's order ordinal.
func (o *orderSteps) last(p int, ord uint64) Step {
	best := StepUnknown
	for s := StepCreated; s <= StepCancelled; s++ {
		if o[s-1].Get(p).Has(ord) && s.Rank() >= best.Rank() {
			best = s
		}
	}
	return best
}

// top is one past the highest ordinal producer p has in any step.
func (o *orderSteps) top(p int) uint64 {
	var top uint64
	for s := range o {
		top = max(top, o[s].Get(p).Bound())
	}
	return top
}

func (o *orderSteps) producers() int {
	n := 0
	for s := range o {
		n = max(n, len(o[s]))
	}
	return n
}

// sinkRows is the kitchen database at the end of the run.
type sinkRows struct {
	seen               bool
	steps              orderSteps
	incomplete, failed seqset.Sets
	rows               int64
}

// SinkRow records one row of the kitchen database after the run: the
// order's step, whether its details are complete (every dish), and whether
// the kitchen marked it failed (it gave up on the order).
func (l *Ledger) SinkRow(order uint64, step Step, complete, failed bool) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	k := &l.drain.sink
	k.seen = true
	k.rows++
	k.steps.add(order, step)
	p, ord := splitOrder(order)
	if p >= seqset.MaxProducers || ord >= seqset.MaxSeq {
		return
	}
	if !complete {
		k.incomplete.At(p).Add(ord)
	}
	if failed {
		k.failed.At(p).Add(ord)
	}
}

// SinkRead says the kitchen database was read, even when it held no row.
func (l *Ledger) SinkRead() {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	l.drain.sink.seen = true
}

// KitchenDB is the kitchen database compared with the log: orders the log
// holds (poison aside) that the database does not show at their last step.
type KitchenDB struct {
	Read     bool  // the database was read after the run
	Rows     int64 // rows read
	Orders   int64 // orders in the log checked
	Mismatch Tally
	By       [len(DBMismatches)]int64 // by DBMismatches
}

// DBMismatches are the ways an order's row can differ from the log.
var DBMismatches = [...]string{"missing from the kitchen database", "behind the log", "ahead of the log", "without all its dishes", "marked failed"}

func (l *Ledger) kitchenDB() KitchenDB {
	d, k := &l.drain, &l.cons.kitchen
	out := KitchenDB{Read: d.sink.seen, Rows: d.sink.rows}
	if !out.Read {
		return out
	}
	for p := range d.steps.producers() {
		for ord := range d.steps.top(p) {
			want := d.steps.last(p, ord)
			if want == StepUnknown || k.poisonOrders.Get(p).Has(ord) {
				continue
			}
			out.Orders++
			got := d.sink.steps.last(p, ord)
			what := -1
			switch {
			case d.sink.failed.Get(p).Has(ord):
				what = 4
			case got == StepUnknown:
				what = 0
			case got.Rank() < want.Rank():
				what = 1
			case got.Rank() > want.Rank():
				what = 2
			case d.sink.incomplete.Get(p).Has(ord):
				what = 3
			}
			if what < 0 {
				continue
			}
			out.By[what]++
			out.Mismatch.N++
			if room(out.Mismatch.First) {
				out.Mismatch.First = append(out.Mismatch.First, fmt.Sprintf("order %d (%s in the log): %s%s", uint64(p)<<orderBits|ord, want, DBMismatches[what], shows(got, what)))
			}
		}
	}
	return out
}

func shows(got Step, what int) string {
	if what == 0 {
		return ""
	}
	return fmt.Sprintf(" (database: %s)", got)
}
