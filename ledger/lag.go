package ledger

import (
	"slices"
	"time"
)

// endAt says that by time at, the partition's log ended at end.
type endAt struct {
	at  time.Time
	end int64
}

// lagQueueCap bounds a partition's queue of end offsets. A consumer that far
// behind has blown any sane limit; the queue is then thinned conservatively.
const lagQueueCap = 4096

// lagPart follows one partition's lag.
type lagPart struct {
	seen   bool
	maxEnd int64
	// queue holds the times the end offset grew, oldest first, trimmed to
	// those still above the committed offset.
	queue []endAt

	cur                LagPoint // latest sample
	worstSec, worstOff LagPoint

	bucket    LagPoint // max of the current second, for the report series
	bucketSec int64
	inBucket  bool

	commits commitTrack
	passed  startPassed // retention overtook the group
}

// lagSide is the ledger's record of the group's lag.
type lagSide struct {
	parts   []lagPart
	lagging int // partitions whose latest sample lags by any offset

	stopped     bool
	stopAt      time.Time
	recovered   bool
	recoveredAt time.Time
	lastAt      time.Time

	series []LagPoint
	stalls []stall

	total      int64 // offsets behind over all partitions, at their latest samples
	sweepAt    time.Time
	recent     [recentSweeps]sweep
	recentNext int
	dist       []disturbance
}

// SampleLag records one partition's log end and committed offsets at a time.
// A committed offset below 0 (nothing committed) counts as 0.
func (l *Ledger) SampleLag(at time.Time, partition int32, end, committed int64) {
	if !partitionOK(partition) {
		return
	}
	l.lagMu.Lock()
	defer l.lagMu.Unlock()
	g := &l.lag
	pa := g.part(partition)
	if pa.seen && pa.cur.Offsets > 0 {
		g.lagging--
	}
	g.closeSweep(at)
	g.total -= pa.cur.Offsets
	pt := pa.observe(at, partition, end, max(committed, 0))
	g.total += pt.Offsets
	g.trackCommit(partition, at, max(committed, 0), pt.Offsets, l.maxStall)
	if pt.Offsets > 0 {
		g.lagging++
	}
	if at.After(g.lastAt) {
		g.lastAt = at
	}
	if g.stopped && !g.recovered && !at.Before(g.stopAt) && g.lagging == 0 {
		g.recovered, g.recoveredAt = true, at
	}
	pa.downsample(pt, &g.series)
}

// ProduceStopped records when the producers stopped; lag-recovers measures
// from here. Only the first call counts. Samples taken at or after at are
// judged, so call it before the sampler moves on.
func (l *Ledger) ProduceStopped(at time.Time) {
	l.lagMu.Lock()
	first := !l.lag.stopped
	if first {
		l.lag.stopped, l.lag.stopAt = true, at
	}
	l.lagMu.Unlock()
	if first {
		l.closeAckGap(at)
	}
}

// closeAckGap counts a stall that lasts until producers stop (or one that
// starts the run) as a gap: acks that never resume must not hide it.
func (l *Ledger) closeAckGap(at time.Time) {
	l.prodMu.Lock()
	defer l.prodMu.Unlock()
	p := &l.prod
	from := p.lastAck
	if from.IsZero() {
		from = l.start
	}
	if g := at.Sub(from); g > p.gap {
		p.gap, p.gapFrom, p.gapTo = g, from, at
	}
}

// observe takes one sample and returns the partition's lag at it. The oldest
// unconsumed record (at offset committed) was in the log by the time of the
// first queued sample whose end is above committed, so its age is the lag.
func (pa *lagPart) observe(at time.Time, partition int32, end, committed int64) LagPoint {
	if !pa.seen || end > pa.maxEnd {
		pa.push(endAt{at, end})
		pa.maxEnd = end
	}
	for len(pa.queue) > 0 && pa.queue[0].end <= committed {
		pa.queue = pa.queue[1:]
	}
	pt := LagPoint{At: at, Partition: partition}
	if committed < end {
		if len(pa.queue) == 0 {
			// The group went back behind records whose arrival was
			// forgotten; their age is counted from now.
			pa.push(endAt{at, end})
		}
		pt.Offsets = end - committed
		pt.Seconds = max(at.Sub(pa.queue[0].at).Seconds(), 0)
	}
	pa.seen, pa.cur = true, pt
	if pt.Seconds > pa.worstSec.Seconds {
		pa.worstSec = pt
	}
	if pt.Offsets > pa.worstOff.Offsets {
		pa.worstOff = pt
	}
	return pt
}

// push queues a grown end offset. A full queue is halved by merging
// neighbours into (earlier time, later end): records then look older than
// they are, so lag is overstated by at most one merged interval, never hidden.
func (pa *lagPart) push(e endAt) {
	if len(pa.queue) >= lagQueueCap {
		q := pa.queue
		n := 0
		for i := 0; i < len(q); i += 2 {
			m := q[i]
			if i+1 < len(q) {
				m.end = q[i+1].end
			}
			q[n] = m
			n++
		}
		pa.queue = q[:n]
	}
	pa.queue = append(pa.queue, e)
}

// downsample keeps one point per second for the report: the maxima of that
// second, stamped with its start.
func (pa *lagPart) downsample(pt LagPoint, series *[]LagPoint) {
	sec := pt.At.Unix()
	if pa.inBucket && sec == pa.bucketSec {
		pa.bucket.Offsets = max(pa.bucket.Offsets, pt.Offsets)
		pa.bucket.Seconds = max(pa.bucket.Seconds, pt.Seconds)
		return
	}
	if pa.inBucket {
		*series = append(*series, pa.bucket)
	}
	pa.bucket, pa.bucketSec, pa.inBucket = pt, sec, true
	pa.bucket.At = pt.At.Truncate(time.Second)
}

// report returns the series: the closed seconds, each partition's open
// second and its last sample, in time order.
func (g *lagSide) report() []LagPoint {
	out := slices.Clone(g.series)
	for i := range g.parts {
		pa := &g.parts[i]
		if !pa.inBucket {
			continue
		}
		out = append(out, pa.bucket)
		if !pa.cur.At.Equal(pa.bucket.At) {
			out = append(out, pa.cur)
		}
	}
	slices.SortStableFunc(out, func(a, b LagPoint) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.Partition) - int(b.Partition)
	})
	return out
}

// part is partition's lag state, grown to hold it; the caller holds lagMu.
func (g *lagSide) part(partition int32) *lagPart {
	g.parts = growTo(g.parts, int(partition))
	return &g.parts[partition]
}
