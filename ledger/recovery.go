package ledger

import (
	"time"
)

// A disturbance is a fault (from its inject to its heal) or a flood (from
// its first send to its last). Its recovery is how soon after it ended acks
// came back and the group's lag fell back to its level before it.

// levelWindow is how far before a disturbance its lag level is taken: the
// highest total lag of that window, so ordinary batching noise is the level.
const levelWindow = 5 * time.Second

// sweep is one lag sample over every partition: its time and total offsets.
type sweep struct {
	at    time.Time
	total int64
}

// recentSweeps keeps the sweeps of the last levelWindow and a little more.
const recentSweeps = 64

type disturbance struct {
	what     string
	from, to time.Time
	ended    bool
	flood    bool  // a flood, not a fault: no first ack to wait for
	level    int64 // highest total lag in the levelWindow before from
	firstAck time.Time
	lagBack  time.Time
}

// Disturbed records that something that may hold up the run (a fault, a
// flood) began at from; call DisturbanceEnded with the index it returns.
func (l *Ledger) Disturbed(what string, from time.Time) int { return l.disturbed(what, from, false) }

func (l *Ledger) disturbed(what string, from time.Time, flood bool) int {
	l.lagMu.Lock()
	g := &l.lag
	level := int64(0)
	open := sweep{at: g.sweepAt, total: g.total} // the latest sweep, still open
	for _, s := range append(g.recent[:len(g.recent):len(g.recent)], open) {
		if !s.at.IsZero() && !s.at.After(from) && from.Sub(s.at) <= levelWindow {
			level = max(level, s.total)
		}
	}
	g.dist = append(g.dist, disturbance{what: what, from: from, level: level, flood: flood})
	i := len(g.dist) - 1
	l.lagMu.Unlock()
	return i
}

// DisturbanceEnded records that disturbance i ended (was healed) at to;
// what, when not empty, names it better than Disturbed could (what it hit).
func (l *Ledger) DisturbanceEnded(i int, what string, to time.Time) {
	if what != "" {
		l.lagMu.Lock()
		if i >= 0 && i < len(l.lag.dist) {
			l.lag.dist[i].what = what
		}
		l.lagMu.Unlock()
	}
	l.endDisturbance(i, to)
	l.prodMu.Lock()
	l.prod.waitingAcks = append(l.prod.waitingAcks, ackWait{dist: i, after: to})
	l.prodMu.Unlock()
}

// endDisturbance ends the lag side of disturbance i; it takes only the lag
// lock, so the producer side may call it under its own.
func (l *Ledger) endDisturbance(i int, to time.Time) {
	l.lagMu.Lock()
	if i >= 0 && i < len(l.lag.dist) {
		d := &l.lag.dist[i]
		d.to, d.ended = to, true
	}
	l.lagMu.Unlock()
}

// ackWait waits for the first ack after a disturbance ended.
type ackWait struct {
	dist  int
	after time.Time
	got   time.Time
}

// ackWatch notes acks that end a wait; the list is short and empty most of
// the time. Callers hold prodMu.
func (p *producerSide) ackWatch(now time.Time) {
	for i := range p.waitingAcks {
		w := &p.waitingAcks[i]
		if w.got.IsZero() && !now.Before(w.after) {
			w.got = now
		}
	}
}

// closeSweep takes the previous sweep's total when a new one starts, and
// checks whether it ends a disturbance's recovery. Callers hold lagMu.
func (g *lagSide) closeSweep(at time.Time) {
	if at.Equal(g.sweepAt) {
		return
	}
	if !g.sweepAt.IsZero() {
		g.endSweep()
	}
	g.sweepAt = at
}

func (g *lagSide) endSweep() {
	s := sweep{at: g.sweepAt, total: g.total}
	g.recent[g.recentNext%recentSweeps] = s
	g.recentNext++
	for i := range g.dist {
		d := &g.dist[i]
		if d.ended && d.lagBack.IsZero() && !s.at.Before(d.to) && s.total <= d.level {
			d.lagBack = s.at
		}
	}
}

// Recovery is one disturbance and how the run came back from it.
type Recovery struct {
	What     string
	From, To time.Time
	LagLevel int64         // total offsets behind before it (the highest of the 5 s before)
	FirstAck time.Duration // from its end to the first ack after; -1: none came
	LagBack  time.Duration // from its end until total lag was back to LagLevel; -1: never
	Unhealed bool          // it never ended (the run stopped first)
	Flood    bool          // a flood (FirstAck does not apply), not a fault
}

// recoveries reports every disturbance. Callers hold prodMu and lagMu.
func (l *Ledger) recoveries() []Recovery {
	g := &l.lag
	if !g.sweepAt.IsZero() {
		g.endSweep() // the last sweep counts too
		g.sweepAt = time.Time{}
	}
	out := make([]Recovery, len(g.dist))
	for i, d := range g.dist {
		r := Recovery{What: d.what, From: d.from, To: d.to, LagLevel: d.level, FirstAck: -1, LagBack: -1, Unhealed: !d.ended, Flood: d.flood}
		if !d.lagBack.IsZero() {
			r.LagBack = d.lagBack.Sub(d.to)
		}
		out[i] = r
	}
	for _, w := range l.prod.waitingAcks {
		if w.dist >= 0 && w.dist < len(out) && !w.got.IsZero() {
			out[w.dist].FirstAck = w.got.Sub(w.after)
		}
	}
	return out
}
