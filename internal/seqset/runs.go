package seqset

import (
	"math"
	"math/bits"
)

// Sets are compared by streaming their maximal runs in ascending order, so
// differences and intersections cost time in proportion to the runs and need
// no copies of the sets.

// Span is an inclusive run of sequences.
type Span struct{ Lo, Hi uint64 }

// Len is the number of values in s.
func (s Span) Len() uint64 { return s.Hi - s.Lo + 1 }

// Runs yields disjoint spans in ascending order.
type Runs interface {
	Next() (Span, bool)
}

// setRuns yields a Set's maximal runs, joining runs across chunk borders.
type setRuns struct {
	s    *Set
	ci   int // chunk index
	pos  int // next run (list) or bit (bitmap) inside the chunk
	pend Span
	has  bool
}

// RunsOf yields s's maximal runs; a nil set yields none.
func RunsOf(s *Set) Runs { return &setRuns{s: s} }

func (r *setRuns) Next() (Span, bool) {
	for {
		sp, ok := r.raw()
		switch {
		case !ok && !r.has:
			return Span{}, false
		case !ok:
			r.has = false
			return r.pend, true
		case !r.has:
			r.pend, r.has = sp, true
		case sp.Lo == r.pend.Hi+1:
			r.pend.Hi = sp.Hi
		default:
			out := r.pend
			r.pend = sp
			return out, true
		}
	}
}

// raw yields the chunks' runs as stored.
func (r *setRuns) raw() (Span, bool) {
	if r.s == nil {
		return Span{}, false
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
				return Span{base, base + chunkSize - 1}, true
			}
		case c.bits != nil:
			if lo, hi, ok := bitRun(c.bits, r.pos); ok {
				r.pos = hi + 1
				return Span{base + uint64(lo), base + uint64(hi)}, true
			}
		case r.pos < len(c.spans):
			sp := c.spans[r.pos]
			r.pos++
			return Span{base + uint64(sp.lo), base + uint64(sp.hi)}, true
		}
	}
	return Span{}, false
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
	a, b    Runs
	x, y    Span
	hasX    bool
	hasY    bool
	started bool
}

// Minus yields a's values not in b.
func Minus(a, b Runs) Runs { return &minusRuns{a: a, b: b} }

func (m *minusRuns) Next() (Span, bool) {
	if !m.started {
		m.started = true
		m.y, m.hasY = m.b.Next()
	}
	for {
		if !m.hasX {
			if m.x, m.hasX = m.a.Next(); !m.hasX {
				return Span{}, false
			}
		}
		for m.hasY && m.y.Hi < m.x.Lo {
			m.y, m.hasY = m.b.Next()
		}
		if !m.hasY || m.y.Lo > m.x.Hi {
			m.hasX = false
			return m.x, true
		}
		// y overlaps x: emit what precedes y, keep what follows it.
		var out Span
		emit := m.y.Lo > m.x.Lo
		if emit {
			out = Span{m.x.Lo, m.y.Lo - 1}
		}
		if m.y.Hi >= m.x.Hi {
			m.hasX = false
		} else {
			m.x.Lo = m.y.Hi + 1
		}
		if emit {
			return out, true
		}
	}
}

// andRuns yields the values in both a and b.
type andRuns struct {
	a, b       Runs
	x, y       Span
	hasX, hasY bool
	started    bool
}

// And yields the values in both a and b.
func And(a, b Runs) Runs { return &andRuns{a: a, b: b} }

func (n *andRuns) Next() (Span, bool) {
	if !n.started {
		n.started = true
		n.x, n.hasX = n.a.Next()
		n.y, n.hasY = n.b.Next()
	}
	for n.hasX && n.hasY {
		switch {
		case n.x.Hi < n.y.Lo:
			n.x, n.hasX = n.a.Next()
		case n.y.Hi < n.x.Lo:
			n.y, n.hasY = n.b.Next()
		default:
			out := Span{max(n.x.Lo, n.y.Lo), min(n.x.Hi, n.y.Hi)}
			if n.x.Hi <= out.Hi {
				n.x, n.hasX = n.a.Next()
			}
			if n.y.Hi <= out.Hi {
				n.y, n.hasY = n.b.Next()
			}
			return out, true
		}
	}
	return Span{}, false
}

// clipRuns yields src's values within [lo, hi]; lo > hi yields nothing.
type clipRuns struct {
	src    Runs
	lo, hi uint64
}

func (c *clipRuns) Next() (Span, bool) {
	if c.lo > c.hi {
		return Span{}, false
	}
	for {
		sp, ok := c.src.Next()
		if !ok || sp.Lo > c.hi {
			return Span{}, false
		}
		if sp.Hi < c.lo {
			continue
		}
		return Span{max(sp.Lo, c.lo), min(sp.Hi, c.hi)}, true
	}
}

// UpTo yields src's values at or below top; nothing when top is not known.
func UpTo(src Runs, top uint64, known bool) Runs {
	if !known {
		return &clipRuns{src: src, lo: 1, hi: 0}
	}
	return &clipRuns{src: src, lo: 0, hi: top}
}

// Above yields src's values above top; all of them when top is not known.
func Above(src Runs, top uint64, known bool) Runs {
	if !known {
		return src
	}
	if top == math.MaxUint64 {
		return &clipRuns{src: src, lo: 1, hi: 0}
	}
	return &clipRuns{src: src, lo: top + 1, hi: math.MaxUint64}
}

// Total counts the values a Runs yields.
func Total(r Runs) uint64 {
	var n uint64
	for sp, ok := r.Next(); ok; sp, ok = r.Next() {
		n += sp.Len()
	}
	return n
}

// List yields spans, which must be disjoint and ascending.
func List(spans ...Span) Runs { l := listRuns(spans); return &l }

type listRuns []Span

func (l *listRuns) Next() (Span, bool) {
	if len(*l) == 0 {
		return Span{}, false
	}
	sp := (*l)[0]
	*l = (*l)[1:]
	return sp, true
}
