package ledger

import (
	"sort"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/internal/seqset"
)

// phaseSide splits a run's sends by load phase (steady, ramp, flood), so
// latency, throughput and ack gaps are reported per phase. Boundaries are
// announced by the producers as each phase begins; its own lock is a leaf,
// taken inside the producer and consumer locks.
type phaseSide struct {
	mu        sync.Mutex
	decl      []PhaseDecl
	producers int
	bounds    [][]phaseBound // by producer: where each phase began, in seq order
	stats     []phaseStats
}

type phaseBound struct {
	seq   uint64
	phase int
}

type phaseStats struct {
	began, ended    time.Time // first phase start, last phase end over producers
	begun, done     int       // producers that began, ended the phase
	outcomes        int64     // sends of the phase with an outcome
	dist            int       // a flood's disturbance; -1 until registered
	landed          time.Time // a flood's last outcome, if it came before dist was registered
	index           int       // in decl
	sent, acked     int64
	firstAck        time.Time
	lastAck         time.Time
	gap             time.Duration
	gapFrom, gapTo  time.Time
	ack, fromIntent *hdrhistogram.Histogram
}

// PhaseDecl declares one load phase.
type PhaseDecl struct {
	Name string
	// Flood is a flood's record count over all producers, 0 for other
	// phases. A flood is a disturbance, from its first send to the outcome
	// of its last record (when all of it is in the log); its recovery is
	// reported.
	Flood int64
}

// DeclarePhases names the run's load phases, in order, and how many
// producers will go through them, before any is begun.
func (l *Ledger) DeclarePhases(phases []PhaseDecl, producers int) {
	ph := &l.phases
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.decl, ph.producers = append([]PhaseDecl(nil), phases...), producers
	ph.stats = make([]phaseStats, len(phases))
	for i := range ph.stats {
		ph.stats[i].index = i
		ph.stats[i].dist = -1
		ph.stats[i].ack, ph.stats[i].fromIntent = newLatency(), newLatency()
	}
}

// PhaseBegins says producer's sends from seq on belong to phase, which began
// for it at at; PhaseEnds that it sent the phase's last record at at.
func (l *Ledger) PhaseBegins(producer uint32, seq uint64, phase int, at time.Time) {
	ph := &l.phases
	ph.mu.Lock()
	if phase < 0 || phase >= len(ph.stats) || producer >= seqset.MaxProducers {
		ph.mu.Unlock()
		return
	}
	ph.bounds = growTo(ph.bounds, int(producer))
	ph.bounds[producer] = append(ph.bounds[producer], phaseBound{seq, phase})
	s := &ph.stats[phase]
	if s.began.IsZero() || at.Before(s.began) {
		s.began = at
	}
	s.begun++
	first, d := s.begun == 1, ph.decl[phase]
	ph.mu.Unlock()
	if first && d.Flood > 0 {
		i := l.disturbed(d.Name, at, true) // outside mu: the lag lock is never taken inside it
		ph.mu.Lock()
		s.dist = i
		landed := s.landed
		ph.mu.Unlock()
		if !landed.IsZero() {
			l.endDisturbance(i, landed) // a tiny flood, all in before it was registered
		}
	}
}

func (l *Ledger) PhaseEnds(producer uint32, phase int, at time.Time) {
	ph := &l.phases
	ph.mu.Lock()
	if phase < 0 || phase >= len(ph.stats) {
		ph.mu.Unlock()
		return
	}
	s := &ph.stats[phase]
	if at.After(s.ended) {
		s.ended = at
	}
	s.done++
	ph.mu.Unlock()
}

// of returns the stats of the phase id was sent in, or nil. Callers hold mu.
func (ph *phaseSide) of(id ID) *phaseStats {
	if int(id.Producer) >= len(ph.bounds) {
		return nil
	}
	b := ph.bounds[id.Producer]
	i := sort.Search(len(b), func(i int) bool { return b[i].seq > id.Seq }) - 1
	if i < 0 {
		return nil
	}
	return &ph.stats[b[i].phase]
}

// phaseSent counts one send's outcome; the last outcome of a flood ends its
// disturbance. Callers hold prodMu, which comes before lagMu.
func (l *Ledger) phaseSent(id ID, now time.Time) {
	ph := &l.phases
	ph.mu.Lock()
	s := ph.of(id)
	if s == nil {
		ph.mu.Unlock()
		return
	}
	s.sent++
	s.outcomes++
	landed := ph.decl[s.index].Flood > 0 && s.outcomes == ph.decl[s.index].Flood
	dist := s.dist
	if landed && dist < 0 {
		s.landed = now // PhaseBegins ends it once registered
	}
	ph.mu.Unlock()
	if landed && dist >= 0 {
		l.endDisturbance(dist, now)
	}
}

func (l *Ledger) phaseAcked(id ID, sent, now time.Time) {
	ph := &l.phases
	ph.mu.Lock()
	defer ph.mu.Unlock()
	s := ph.of(id)
	if s == nil {
		return
	}
	s.acked++
	recordLatency(s.ack, now.Sub(sent))
	if s.firstAck.IsZero() || now.Before(s.firstAck) {
		s.firstAck = now
	}
	if !s.lastAck.IsZero() {
		if g := now.Sub(s.lastAck); g > s.gap {
			s.gap, s.gapFrom, s.gapTo = g, s.lastAck, now
		}
	}
	if now.After(s.lastAck) {
		s.lastAck = now
	}
}

func (l *Ledger) phaseProcessed(id ID, intended, now time.Time) {
	ph := &l.phases
	ph.mu.Lock()
	if s := ph.of(id); s != nil && !intended.IsZero() {
		recordLatency(s.fromIntent, now.Sub(intended))
	}
	ph.mu.Unlock()
}

// PhaseReport is one load phase as the run went.
type PhaseReport struct {
	Name       string
	Began      time.Time // the phase's first scheduled send
	Ended      time.Time // its last send handed to the client
	Sent       int64
	Acked      int64
	Throughput float64 // acks per second, first to last ack of the phase
	MaxAckGap  time.Duration
	GapFrom    time.Time
	AckLatency *hdrhistogram.Histogram // produce-ack, µs
	E2E        *hdrhistogram.Histogram // processed − intended, µs
}

func (ph *phaseSide) report() []PhaseReport {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	var out []PhaseReport
	for i, s := range ph.stats {
		r := PhaseReport{Name: ph.decl[i].Name, Began: s.began, Ended: s.ended, Sent: s.sent, Acked: s.acked,
			MaxAckGap: s.gap, GapFrom: s.gapFrom, AckLatency: s.ack.Clone(), E2E: s.fromIntent.Clone()}
		if span := s.lastAck.Sub(s.firstAck); s.acked > 1 && span > 0 {
			r.Throughput = float64(s.acked-1) / span.Seconds()
		}
		out = append(out, r)
	}
	return out
}
