package ledger

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/internal/seqset"
)

// sends are one producer's outcomes.
type sends struct {
	acked, failed, unknown seqset.Set
	aborted                seqset.Set       // sent in a transaction that was aborted
	where                  seqset.Positions // where each acked send landed
	top                    uint64           // highest seq with any outcome
	any                    bool
}

// ackedPart is what producers were told about one partition.
type ackedPart struct {
	acked     int64
	maxOffset int64
}

// producerSide is the ledger's record of send outcomes.
type producerSide struct {
	senders   []*sends
	parts     []ackedPart
	counts    Counts // Sent, Acked, Failed, Unknown, Late
	untracked int64  // sends whose id is outside the tracked range
	// trackWhere keeps each ack's position (8 bytes a record), so records
	// retention deleted are told from lost ones; see TrackPositions.
	trackWhere bool
	// byPosition judges records below a partition's log start as deleted
	// by retention (TrackPositions), not only kept for an export.
	byPosition bool

	ackLatency *hdrhistogram.Histogram
	ackSeries  latencySeries
	sentSeries countSeries // sends per second of their send time

	lastAck        time.Time
	gap            time.Duration
	gapFrom, gapTo time.Time

	waitingAcks []ackWait // first ack after each disturbance
}

// Acked records a send the broker acknowledged at partition/offset; now is
// when the acknowledgement arrived.
func (l *Ledger) Acked(id ID, partition int32, offset int64, intended, sent, now time.Time) {
	l.prodMu.Lock()
	defer l.prodMu.Unlock()
	p := &l.prod
	p.counts.Acked++
	if s := p.outcome(id, intended, sent, LateAfter); s != nil {
		s.acked.Add(id.Seq)
		if p.trackWhere {
			s.where.Set(id.Seq, partition, offset)
		}
	}
	if partitionOK(partition) {
		p.parts = growTo(p.parts, int(partition))
		pa := &p.parts[partition]
		pa.acked++
		pa.maxOffset = max(pa.maxOffset, offset)
	}
	recordLatency(p.ackLatency, now.Sub(sent))
	p.ackSeries.record(now, now.Sub(sent))
	p.ackAt(now)
	l.phaseSent(id, now)
	l.phaseAcked(id, sent, now)
	p.ackWatch(now)
}

// Failed records a send that was definitely not written.
func (l *Ledger) Failed(id ID, intended, sent, now time.Time) {
	l.settle(id, intended, sent, now, &l.prod.counts.Failed, func(s *sends) *seqset.Set { return &s.failed })
}

// Unknown records a send that may or may not have been written (timeout,
// network error).
func (l *Ledger) Unknown(id ID, intended, sent, now time.Time) {
	l.settle(id, intended, sent, now, &l.prod.counts.Unknown, func(s *sends) *seqset.Set { return &s.unknown })
}

// settle records a send that ended other than acked: it counts under n and
// joins the set of its producer that set picks. set captures nothing, so
// this allocates no more than writing it out would.
func (l *Ledger) settle(id ID, intended, sent, now time.Time, n *int64, set func(*sends) *seqset.Set) {
	l.prodMu.Lock()
	defer l.prodMu.Unlock()
	*n++
	if s := l.prod.outcome(id, intended, sent, LateAfter); s != nil {
		set(s).Add(id.Seq)
	}
	l.phaseSent(id, now)
}

// outcome counts one send and returns its producer's sets, or nil when the id
// cannot be tracked.
func (p *producerSide) outcome(id ID, intended, sent time.Time, lateAfter time.Duration) *sends {
	p.counts.Sent++
	if !sent.IsZero() {
		p.sentSeries.add(sent)
	}
	if sent.Sub(intended) > lateAfter {
		p.counts.Late++
	}
	if id.Producer >= seqset.MaxProducers || id.Seq >= seqset.MaxSeq {
		p.untracked++
		return nil
	}
	p.senders = growTo(p.senders, int(id.Producer))
	s := p.senders[id.Producer]
	if s == nil {
		s = &sends{}
		p.senders[id.Producer] = s
	}
	if !s.any || id.Seq > s.top {
		s.top, s.any = id.Seq, true
	}
	return s
}

// ackAt tracks the longest gap between successive acks. Callbacks race, so
// an ack that arrives with an earlier clock than the last one is no gap.
func (p *producerSide) ackAt(now time.Time) {
	if !p.lastAck.IsZero() {
		if g := now.Sub(p.lastAck); g > p.gap {
			p.gap, p.gapFrom, p.gapTo = g, p.lastAck, now
		}
	}
	if now.After(p.lastAck) {
		p.lastAck = now
	}
}

// sender returns producer i's outcomes, or nil.
func (p *producerSide) sender(i int) *sends {
	if i >= len(p.senders) {
		return nil
	}
	return p.senders[i]
}

// TrackPositions makes the ledger remember where each acked record landed,
// at 8 bytes a record, so that records retention deleted are judged by
// no-retention-loss instead of no-kafka-loss. Call it before the first ack,
// for runs whose topic can lose records to retention while they last.
func (l *Ledger) TrackPositions() {
	l.prodMu.Lock()
	l.prod.trackWhere, l.prod.byPosition = true, true
	l.prodMu.Unlock()
}

// KeepPositions makes the ledger remember where each acked record landed
// for Export only: verdicts are judged as without it.
func (l *Ledger) KeepPositions() {
	l.prodMu.Lock()
	l.prod.trackWhere = true
	l.prodMu.Unlock()
}
