package ledger

import (
	"fmt"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

// logPos is the highest seq a producer has in one partition so far, and where.
type logPos struct {
	seq    uint64
	offset int64
}

// drainPart is what the final drain saw of one partition.
type drainPart struct {
	records    int64 // distinct records of this run
	ended      bool
	start, end int64
}

// drainSide is the ledger's record of the final drain.
type drainSide struct {
	drained seqset.Sets // by producer
	strays  strays
	parts   []drainPart

	dups     int64
	dupFirst []string

	last       map[uint64]logPos // by producer<<32 | partition
	orderBad   int64
	orderFirst []string

	steps      orderSteps     // which steps of each order the log holds
	sink       sinkRows       // what the kitchen database shows at the end
	downstream downstreamSide // what the services the kitchen called saw
}

// Drained records a record found by the final drain. Records of a partition
// must be reported in offset order.
func (l *Ledger) Drained(e *Event) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	d := &l.drain
	if why := l.stranger(e); why != belongs {
		d.strays.note("in log at", e, why)
		return
	}
	if !firstSight(&d.drained, e, &d.dups, &d.dupFirst, "in log again at") {
		return
	}
	if partitionOK(e.Partition) {
		d.parts = growTo(d.parts, int(e.Partition))
		d.parts[e.Partition].records++
	}
	d.checkOrder(e)
	d.steps.add(e.Order, e.Step)
}

// checkOrder: within one partition a producer's sequences must only grow
// with the offset; a lower seq after a higher one means the log reordered
// sends (retries without idempotence).
func (d *drainSide) checkOrder(e *Event) {
	k := uint64(e.Producer)<<32 | uint64(uint32(e.Partition))
	last, seen := d.last[k]
	if !seen || e.Seq > last.seq {
		d.last[k] = logPos{e.Seq, e.Offset}
		return
	}
	d.orderBad++
	if room(d.orderFirst) {
		d.orderFirst = append(d.orderFirst, fmt.Sprintf("partition %d: %s at offset %d after %s at offset %d",
			e.Partition, idString(e.Producer, e.Seq), e.Offset, idString(e.Producer, last.seq), last.offset))
	}
}

// DrainedForeign records a drained record whose identity could not be read.
func (l *Ledger) DrainedForeign(partition int32, offset int64, why string) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	l.drain.strays.noteForeign(partition, offset, why)
}

// DrainEnd records the offsets the drain read a partition between.
func (l *Ledger) DrainEnd(partition int32, logStart, logEnd int64) {
	l.drainMu.Lock()
	defer l.drainMu.Unlock()
	if !partitionOK(partition) {
		return
	}
	d := &l.drain
	d.parts = growTo(d.parts, int(partition))
	pa := &d.parts[partition]
	pa.ended, pa.start, pa.end = true, logStart, logEnd
}
