package assertions

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/chaosrun/chaosrun/ledger"
)

const scaleParts = 12

// TestTenMillionStaysSmall feeds ten million records through every side, as
// a real run delivers them: acks in order but for swaps inside a window of
// 64, the group consuming partitions interleaved, and the drain reading
// partitions in fetch-sized batches. The ledger must stay small throughout.
func TestTenMillionStaysSmall(t *testing.T) {
	n := 10_000_000
	if testing.Short() || raceEnabled {
		n = 1_000_000
	}
	const producers = 2
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	crit := Criteria{ForbidDuplicates: true}
	l := NewLedger(testRun, testEnv, t0, crit)
	rng := rand.New(rand.NewPCG(1, 2))
	var offsets [scaleParts]int64
	perProducer := uint64(n / producers)
	e := event(0, 0)
	place := func(p uint32, seq uint64) *ledger.Event {
		e.Producer, e.Seq = p, seq
		e.Order, e.Step = OrderIDForTest(p, seq/3), ledger.Step(seq%3+1)
		e.Partition = partitionOf(p, seq)
		return &e
	}

	var offs [64]int64
	ackOrder := make([]uint64, 64)
	consumeBlock := make([]uint64, 64)
	drainBlock := make([]uint64, 4096)
	peak := 0 // bytes the sets held at worst
	for p := range uint32(producers) {
		for base := uint64(0); base < perProducer; base += 64 {
			// The log holds the block in seq order; acks come back slightly
			// shuffled.
			block := fill(ackOrder, base, perProducer)
			for i, seq := range block {
				part := partitionOf(p, seq)
				offs[i] = offsets[part]
				offsets[part]++
			}
			for range 4 {
				i, j := rng.IntN(len(block)), rng.IntN(len(block))
				block[i], block[j] = block[j], block[i]
			}
			for _, seq := range block {
				r := place(p, seq)
				l.Acked(ledger.ID{Producer: p, Seq: seq}, r.Partition, offs[seq-base], r.Intended, r.Sent, at(1.002))
			}
			// The group's workers take partitions in turn.
			byPartition(fill(consumeBlock, base, perProducer), p, func(seq uint64) { l.Processed(place(p, seq), at(1.5)) })
		}
		// The drain reads a batch of each partition in turn.
		for base := uint64(0); base < perProducer; base += uint64(len(drainBlock)) {
			byPartition(fill(drainBlock, base, perProducer), p, func(seq uint64) {
				l.Drained(place(p, seq))
				if seq%1024 == 0 { // mid-batch, when partitions are half read
					_, _, bytes := l.Footprint()
					peak = max(peak, bytes)
				}
			})
		}
	}
	// The kitchen database shows every order at its last step.
	for p := range uint32(producers) {
		for o := uint64(0); o*3 < perProducer; o++ {
			last := min(3*o+2, perProducer-1)
			l.SinkRow(OrderIDForTest(p, o), ledger.Step(last%3+1), true, false)
		}
	}
	l.ProduceStopped(at(5))
	l.SampleLag(at(6), 0, 1, 1)
	r := Verify(l, crit)

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
	spans, bitmaps, bytes := l.Footprint()
	var open int
	l.Read(func(f *ledger.Facts) { open = f.OpenOrders })
	t.Logf("%d records: sets keep %d runs and %d bitmaps (%d bytes, %d at peak), %d open orders; heap grew %d KiB",
		want, spans, bitmaps, bytes, peak, open, grown>>10)
	// What stays: a few runs, and at most the partly filled last chunk of
	// each producer's sets as a bitmap.
	if spans > 16 || bitmaps > 4*producers || bytes > 256<<10 {
		t.Errorf("sets hold %d runs, %d bitmaps, %d bytes after the run", spans, bitmaps, bytes)
	}
	if peak > 1<<20 {
		t.Errorf("sets held %d bytes at peak", peak)
	}
	if open > producers { // at most each producer's last, unfinished order
		t.Errorf("%d orders still open", open)
	}
	if grown > 16<<20 {
		t.Errorf("heap grew %d MiB", grown>>20)
	}
	runtime.KeepAlive(l)
}

// partitionOf keys records by order, as the workload does: an order's steps
// share a partition.
func partitionOf(p uint32, seq uint64) int32 { return int32((seq/3 + uint64(p)) % scaleParts) }

// fill sets block to base, base+1, ... below limit and returns what it set.
func fill(block []uint64, base, limit uint64) []uint64 {
	block = block[:min(uint64(len(block)), limit-base)]
	for i := range block {
		block[i] = base + uint64(i)
	}
	return block
}

// byPartition visits the block's seqs partition by partition, each partition
// in seq order.
func byPartition(block []uint64, p uint32, visit func(uint64)) {
	order := slices.Clone(block)
	slices.SortStableFunc(order, func(a, b uint64) int {
		return int(partitionOf(p, a)) - int(partitionOf(p, b))
	})
	for _, seq := range order {
		visit(seq)
	}
}

// BenchmarkVerify judges a million records sent, drained and processed: in
// order, orders of three steps on eight partitions, one producer.
func BenchmarkVerify(b *testing.B) {
	const n = 1_000_000
	l := NewLedger(testRun, testEnv, t0, Criteria{})
	e := event(0, 0)
	for seq := range uint64(n) {
		e.Seq, e.Order, e.Step = seq, seq/3, ledger.Step(seq%3+1)
		e.Partition, e.Offset = int32(e.Order%8), int64(seq)
		l.Acked(ledger.ID{Producer: e.Producer, Seq: e.Seq}, e.Partition, e.Offset, e.Intended, e.Sent, at(1.002))
		l.Drained(&e)
		l.Processed(&e, at(1.5))
	}
	l.ProduceStopped(at(1))
	l.SampleLag(at(2), 0, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		if r := Verify(l, Criteria{}); !r.Passed() {
			b.Fatalf("failing: %v", r.Failing())
		}
	}
}
