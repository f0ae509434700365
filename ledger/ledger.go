package ledger

import (
	"slices"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/internal/seqset"
)

// Ledger records a run's history. Each side (producers,
// consumers, lag sampler, drain) has its own lock, so producer callbacks never
// wait for consumer workers.
type Ledger struct {
	run, env string
	start    time.Time
	maxStall time.Duration // a lagging commit standing still longer is a stall

	prodMu sync.Mutex
	prod   producerSide

	consMu sync.Mutex
	cons   consumerSide

	lagMu sync.Mutex
	lag   lagSide

	drainMu sync.Mutex
	drain   drainSide
	output  outputSide // under drainMu

	phases phaseSide // its own leaf lock
	group  groupSide // its own leaf lock
}

// New starts the ledger of run in env; start anchors the relative times in
// evidence; maxStall is the longest a lagging partition's commit may stand
// still before the stall is kept as evidence.
func New(run, env string, start time.Time, maxStall time.Duration) *Ledger {
	l := &Ledger{
		run:      run,
		env:      env,
		start:    start,
		maxStall: maxStall,
		prod:     producerSide{ackLatency: newLatency(), ackSeries: newLatencySeries()},
		cons: consumerSide{
			orders:       map[uint64]Step{},
			fromIntended: newLatency(),
			e2eSeries:    newLatencySeries(),
			fromSent:     newLatency(),
		},
		drain: drainSide{last: map[uint64]logPos{}},
	}
	l.group.start = start
	return l
}

// StartAt moves the time evidence is relative to (t+…) to when the workload
// started; call it before anything is recorded.
func (l *Ledger) StartAt(t time.Time) {
	l.start = t
	l.group.mu.Lock()
	l.group.start = t // the group's callbacks may already be running
	l.group.mu.Unlock()
}

// Latencies are recorded in microseconds from 1µs to one hour.
const (
	latencyMin = 1
	latencyMax = int64(time.Hour / time.Microsecond)
)

func newLatency() *hdrhistogram.Histogram {
	return hdrhistogram.New(latencyMin, latencyMax, 3)
}

// recordLatency clamps d into the histogram's range, so recording never fails.
func recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	us := min(max(d.Microseconds(), latencyMin), latencyMax)
	_ = h.RecordValue(us)
}

// growTo extends s so that index i is valid.
func growTo[T any](s []T, i int) []T {
	for len(s) <= i {
		var zero T
		s = append(s, zero)
	}
	return s
}

// maxPartitions bounds the partition numbers kept in per-partition slices.
const maxPartitions = 1 << 16

func partitionOK(p int32) bool { return p >= 0 && p < maxPartitions }

// Footprint sums what the ledger's sequence sets keep (run-list entries,
// bitmap chunks, estimated bytes), to check that a long run stays small.
func (l *Ledger) Footprint() (spans, bitmaps, bytes int) {
	defer l.lockAll()()
	var all []*seqset.Set
	for _, s := range l.prod.senders {
		all = append(all, &s.acked, &s.failed, &s.unknown)
	}
	all = slices.Concat(all, l.cons.processed, l.cons.finalized, l.cons.cancelled, l.drain.drained)
	for _, s := range all {
		if s == nil {
			continue
		}
		sp, bm, by := s.Footprint()
		spans, bitmaps, bytes = spans+sp, bitmaps+bm, bytes+by
	}
	return spans, bitmaps, bytes
}

// lockAll takes every side's lock, in the one order all readers of the whole
// ledger use, and returns what releases them.
func (l *Ledger) lockAll() (unlock func()) {
	l.prodMu.Lock()
	l.consMu.Lock()
	l.lagMu.Lock()
	l.drainMu.Lock()
	return func() {
		l.drainMu.Unlock()
		l.lagMu.Unlock()
		l.consMu.Unlock()
		l.prodMu.Unlock()
	}
}
