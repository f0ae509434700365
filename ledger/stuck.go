package ledger

import (
	"time"
)

// commitTrack follows one partition's committed offset, for stalls.
type commitTrack struct {
	tracked   bool
	committed int64
	since     time.Time // committed stood here from this time (or it was caught up then)
	lag       int64     // offsets behind at the latest sample
	moving    []timeSpan
}

// timeSpan is a time the commit kept moving: moves closer than moveGap
// apart merge, so a partition that always moves keeps one span.
type timeSpan struct{ from, to time.Time }

const moveGap = 2 * time.Second

// stall is a time a partition's committed offset stood still with lag.
type stall struct {
	partition int32
	from, to  time.Time
	offset    int64
	lag       int64
}

// trackCommit takes one sample of p. A stall ends when the commit moves or
// the partition catches up; only stalls longer than the limit are kept.
func (g *lagSide) trackCommit(p int32, at time.Time, committed, lag int64, limit time.Duration) {
	c := &g.parts[p].commits
	switch {
	case !c.tracked:
		c.tracked, c.committed, c.since = true, committed, at
	case committed != c.committed:
		g.closeStall(p, at, limit)
		c.committed, c.since = committed, at
		c.moved(at)
	case lag == 0:
		g.closeStall(p, at, limit)
		c.since = at
	}
	c.lag = lag
}

func (c *commitTrack) moved(at time.Time) {
	if n := len(c.moving); n > 0 && at.Sub(c.moving[n-1].to) <= moveGap {
		c.moving[n-1].to = at
		return
	}
	c.moving = append(c.moving, timeSpan{at, at})
}

func (g *lagSide) closeStall(p int32, at time.Time, limit time.Duration) {
	if s, ok := g.stallOf(p, at, limit); ok {
		g.stalls = append(g.stalls, s)
	}
}

// stallOf is p's stall as of at, when it has lasted longer than limit.
func (g *lagSide) stallOf(p int32, at time.Time, limit time.Duration) (stall, bool) {
	c := &g.parts[p].commits
	if c.lag == 0 || at.Sub(c.since) <= limit {
		return stall{}, false
	}
	return stall{partition: p, from: c.since, to: at, offset: c.committed, lag: c.lag}, true
}

// othersMoved: another partition's commit moved during s. Moves in its last
// second do not count: a group that resumes as a whole moves every
// partition at about the same sample.
func (g *lagSide) othersMoved(s stall) bool {
	before := s.to.Add(-time.Second)
	for q := range g.parts {
		if int32(q) == s.partition {
			continue
		}
		for _, m := range g.parts[q].commits.moving {
			if m.to.After(s.from) && m.from.Before(before) {
				return true
			}
		}
	}
	return false
}

// allStalls are the closed stalls plus those still open at the last sample.
func (g *lagSide) allStalls(limit time.Duration) []stall {
	out := append([]stall(nil), g.stalls...)
	for p := range g.parts {
		if pa := &g.parts[p]; pa.seen {
			if s, ok := g.stallOf(int32(p), pa.cur.At, limit); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
