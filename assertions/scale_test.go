package assertions

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestTenMillionStaysSmall feeds ten million records through every side, as
// a real run delivers them: acks in order but for swaps inside a window of
// 64, the group consuming partitions interleaved, and the drain reading
// partitions in fetch-sized batches. The ledger must stay small throughout.
func TestTenMillionStaysSmall(t *testing.T) {
	n := 10_000_000
	if testing.Short() || raceEnabled {
		n = 1_000_000
	}
	const producers, parts = 2, 12
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	l := NewLedger(testRun, testEnv, t0, Criteria{ForbidDuplicates: true})
	rng := rand.New(rand.NewPCG(1, 2))
	var offsets [parts]int64
	perProducer := uint64(n / producers)
	e := event(0, 0)
	place := func(p uint32, seq uint64) *Event {
		e.Producer, e.Seq = p, seq
		e.Order, e.Step = OrderIDForTest(p, seq/3), Step(seq%3+1)
		e.Partition = int32((seq/3 + uint64(p)) % parts)
		return &e
	}

	ackBlock := make([]uint64, 64)
	consumeBlock := make([]uint64, 64)
	drainBlock := make([]uint64, 4096)
	peakSpans := 0
	for p := range uint32(producers) {
		for base := uint64(0); base < perProducer; base += 64 {
			// The log order is seq order; acks come back slightly shuffled.
			fill(ackBlock, base, perProducer)
			for i := range ackBlock {
				offs := place(p, ackBlock[i])
				ackBlock[i] = uint64(offsets[offs.Partition])<<32 | ackBlock[i] // remember the offset
				offsets[offs.Partition]++
			}
			for range 4 {
				i, j := rng.IntN(len(ackBlock)), rng.IntN(len(ackBlock))
				ackBlock[i], ackBlock[j] = ackBlock[j], ackBlock[i]
			}
			for _, v := range ackBlock {
				seq, off := v&(1<<32-1), int64(v>>32)
				if seq >= perProducer {
					continue
				}
				r := place(p, seq)
				l.Acked(ID{p, seq}, r.Partition, off, r.Intended, r.Sent, at(1.002))
			}
			// The group's workers take partitions in turn.
			fill(consumeBlock, base, perProducer)
			byPartition(consumeBlock, func(seq uint64) { l.Processed(place(p, seq), at(1.5)) }, place, p)
		}
		// The drain reads a batch of each partition in turn.
		for base := uint64(0); base < perProducer; base += uint64(len(drainBlock)) {
			fill(drainBlock, base, perProducer)
			byPartition(drainBlock, func(seq uint64) { l.Drained(place(p, seq)) }, place, p)
			peakSpans = max(peakSpans, ledgerSpans(l))
		}
	}
	l.ProduceStopped(at(5))
	l.SampleLag(at(6), 0, 1, 1)
	r := l.Verify()

	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)

	want := int64(perProducer * producers)
	if c := r.Counts; c.Acked != want || c.InLog != want || c.Processed != want {
		t.Fatalf("counts = %+v, want %d of each", c, want)
	}
	if !r.Passed() {
		t.Fatalf("failing: %v", r.Failing())
	}
	spans, bitmaps, bytes := ledgerFootprint(l)
	t.Logf("%d records: %d runs and %d bitmaps kept (%d bytes), peak %d runs during the drain, %d open orders; heap grew %d KiB",
		want, spans, bitmaps, bytes, peakSpans, len(l.cons.orders), grown>>10)
	if spans > 16 || bitmaps > 0 || bytes > 64<<10 {
		t.Errorf("sets hold %d runs, %d bitmaps, %d bytes after the run", spans, bitmaps, bytes)
	}
	if peakSpans > 4096 {
		t.Errorf("sets held %d runs at peak", peakSpans)
	}
	if len(l.cons.orders) != 0 {
		t.Errorf("%d orders still open", len(l.cons.orders))
	}
	if grown > 16<<20 {
		t.Errorf("heap grew %d MiB", grown>>20)
	}
	runtime.KeepAlive(l)
}

// fill sets block to base, base+1, ... (values past limit are skipped later).
func fill(block []uint64, base, limit uint64) {
	for i := range block {
		block[i] = base + uint64(i)
	}
	_ = limit
}

// byPartition visits the block's seqs partition by partition, each partition
// in seq order.
func byPartition(block []uint64, visit func(uint64), place func(uint32, uint64) *Event, p uint32) {
	order := slices.Clone(block)
	slices.SortStableFunc(order, func(a, b uint64) int {
		return int(place(p, a).Partition) - int(place(p, b).Partition)
	})
	for _, seq := range order {
		visit(seq)
	}
}

func ledgerSpans(l *Ledger) int {
	spans, _, _ := ledgerFootprint(l)
	return spans
}

// ledgerFootprint sums what every set of the ledger keeps.
func ledgerFootprint(l *Ledger) (spans, bitmaps, bytes int) {
	var all []*seqSet
	for _, s := range l.prod.senders {
		all = append(all, &s.acked, &s.failed, &s.unknown)
	}
	all = slices.Concat(all, l.cons.processed, l.cons.finalized, l.cons.cancelled, l.drain.drained)
	for _, s := range all {
		if s == nil {
			continue
		}
		sp, bm, by := s.footprint()
		spans, bitmaps, bytes = spans+sp, bitmaps+bm, bytes+by
	}
	return spans, bitmaps, bytes
}
