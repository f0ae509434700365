package ledger

import (
	"math"
	"math/bits"
)

// Verify compares sets by streaming their maximal runs in ascending order, so
// differences and intersections cost time in proportion to the runs and need
// no copies of the sets.

// span is an inclusive run of sequences.
type span struct{ lo, hi uint64 }

func (s span) len() uint64 { return s.hi - s.lo + 1 }

// runs yields disjoint spans in ascending order.
type runs interface {
	next() (span, bool)
}

// setRuns yields a seqSet's maximal runs, joining runs across chunk borders.
type setRuns struct {
	s    *seqSet
	ci   int // chunk index
	pos  int // next run (list) or bit (bitmap) inside the chunk
	pend span
	has  bool
}

func runsOf(s *seqSet) *setRuns { return &setRuns{s: s} }

func (r *setRuns) next() (span, bool) {
	for {
		sp, ok := r.raw()
		switch {
		case !ok && !r.has:
			return span{}, false
		case !ok:
			r.has = false
			return r.pend, true
		case !r.has:
			r.pend, r.has = sp, true
		case sp.lo == r.pend.hi+1:
			r.pend.hi = sp.hi
		default:
			out := r.pend
			r.pend = sp
			return out, true
		}
	}
}

// raw yields the chunks' runs as stored.
func (r *setRuns) raw() (span, bool) {
	if r.s == nil {
		return span{}, false
	}
	for ; r.ci < len(r.s.chunks); r.ci, r.pos = r.ci+1, 0 {
		c := r.s.chunks[r.ci]
		if c == nil {
			continue
		}
		base := uint64(r.ci) << chunkBits
		switch {
		case c.full():
			if r.pos == 0 {
				r.pos = 1
				return span{base, base + chunkSize - 1}, true
			}
		case c.bits != nil:
			if lo, hi, ok := bitRun(c.bits, r.pos); ok {
				r.pos = hi + 1
				return span{base + uint64(lo), base + uint64(hi)}, true
			}
		case r.pos < len(c.spans):
			sp := c.spans[r.pos]
			r.pos++
			return span{base + uint64(sp.lo), base + uint64(sp.hi)}, true
		}
	}
	return span{}, false
}

// bitRun finds the first run of set bits at or after from.
func bitRun(b *[chunkWords]uint64, from int) (lo, hi int, ok bool) {
	lo = scanBits(b, from, true)
	if lo >= chunkSize {
		return 0, 0, false
	}
	return lo, scanBits(b, lo, false) - 1, true
}

// scanBits returns the first bit at or after from equal to set, or chunkSize.
func scanBits(b *[chunkWords]uint64, from int, set bool) int {
	for w := from >> 6; w < chunkWords; w++ {
		x := b[w]
		if !set {
			x = ^x
		}
		if w == from>>6 {
			x &= math.MaxUint64 << (from & 63)
		}
		if x != 0 {
			return w<<6 + bits.TrailingZeros64(x)
		}
	}
	return chunkSize
}

// minusRuns yields a's values not in b.
type minusRuns struct {
	a, b    runs
	x, y    span
	hasX    bool
	hasY    bool
	started bool
}

func minus(a, b runs) runs { return &minusRuns{a: a, b: b} }

func (m *minusRuns) next() (span, bool) {
	if !m.started {
		m.started = true
		m.y, m.hasY = m.b.next()
	}
	for {
		if !m.hasX {
			if m.x, m.hasX = m.a.next(); !m.hasX {
				return span{}, false
			}
		}
		for m.hasY && m.y.hi < m.x.lo {
			m.y, m.hasY = m.b.next()
		}
		if !m.hasY || m.y.lo > m.x.hi {
			m.hasX = false
			return m.x, true
		}
		// y overlaps x: emit what precedes y, keep what follows it.
		var out span
		emit := m.y.lo > m.x.lo
		if emit {
			out = span{m.x.lo, m.y.lo - 1}
		}
		if m.y.hi >= m.x.hi {
			m.hasX = false
		} else {
			m.x.lo = m.y.hi + 1
		}
		if emit {
			return out, true
		}
	}
}

// andRuns yields the values in both a and b.
type andRuns struct {
	a, b       runs
	x, y       span
	hasX, hasY bool
	started    bool
}

func and(a, b runs) runs { return &andRuns{a: a, b: b} }

func (n *andRuns) next() (span, bool) {
	if !n.started {
		n.started = true
		n.x, n.hasX = n.a.next()
		n.y, n.hasY = n.b.next()
	}
	for n.hasX && n.hasY {
		switch {
		case n.x.hi < n.y.lo:
			n.x, n.hasX = n.a.next()
		case n.y.hi < n.x.lo:
			n.y, n.hasY = n.b.next()
		default:
			out := span{max(n.x.lo, n.y.lo), min(n.x.hi, n.y.hi)}
			if n.x.hi <= out.hi {
				n.x, n.hasX = n.a.next()
			}
			if n.y.hi <= out.hi {
				n.y, n.hasY = n.b.next()
			}
			return out, true
		}
	}
	return span{}, false
}

// clipRuns yields src's values within [lo, hi]; lo > hi yields nothing.
type clipRuns struct {
	src    runs
	lo, hi uint64
}

func (c *clipRuns) next() (span, bool) {
	if c.lo > c.hi {
		return span{}, false
	}
	for {
		sp, ok := c.src.next()
		if !ok || sp.lo > c.hi {
			return span{}, false
		}
		if sp.hi < c.lo {
			continue
		}
		return span{max(sp.lo, c.lo), min(sp.hi, c.hi)}, true
	}
}

// upTo yields src's values at or below top; nothing when top is not known.
func upTo(src runs, top uint64, known bool) runs {
	if !known {
		return &clipRuns{src: src, lo: 1, hi: 0}
	}
	return &clipRuns{src: src, lo: 0, hi: top}
}

// above yields src's values above top; all of them when top is not known.
func above(src runs, top uint64, known bool) runs {
	if !known {
		return src
	}
	if top == math.MaxUint64 {
		return &clipRuns{src: src, lo: 1, hi: 0}
	}
	return &clipRuns{src: src, lo: top + 1, hi: math.MaxUint64}
}

// total counts the values a runs yields.
func total(r runs) uint64 {
	var n uint64
	for sp, ok := r.next(); ok; sp, ok = r.next() {
		n += sp.len()
	}
	return n
}
