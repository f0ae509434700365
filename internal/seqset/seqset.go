// Package seqset keeps sets of sequence numbers compactly and compares them as
// streams of runs, allocation-free on insert once a chunk exists.
package seqset

// A Set holds one producer's sequence numbers. Sequences start at 0 and
// arrive mostly in order, so the set is split into fixed chunks that each keep
// a short sorted list of runs; a chunk whose runs fragment (partitions drained
// or consumed at different paces) switches to a bitmap, and a complete chunk
// keeps nothing at all. Memory stays at a few bytes per chunk when sequences
// arrive in order and never above one bit per sequence, and an insert never
// moves more than one chunk's short run list.

const (
	chunkBits     = 16
	chunkSize     = 1 << chunkBits
	chunkWords    = chunkSize / 64
	maxChunkSpans = 64 // 256 bytes of runs; beyond that the 8 KiB bitmap is cheaper to update

	// MaxSeq bounds the sequences (and order ordinals) a set tracks: far more
	// than a producer sends, small enough that a corrupt value cannot make the
	// chunk index huge.
	MaxSeq = 1 << 36
	// MaxProducers bounds the producer ids Sets indexes by slice.
	MaxProducers = 1 << 16
)

// span16 is an inclusive run inside one chunk.
type span16 struct{ lo, hi uint16 }

// chunk is one chunkSize-aligned slice of a Set: a run list, a bitmap, or
// (when n == chunkSize) nothing.
type chunk struct {
	n     uint32
	spans []span16 // sorted, disjoint, non-adjacent; used while bits == nil
	bits  *[chunkWords]uint64
}

func (c *chunk) full() bool { return c.n == chunkSize }

func (c *chunk) has(x uint16) bool {
	switch {
	case c.full():
		return true
	case c.bits != nil:
		return c.bits[x>>6]&(1<<(x&63)) != 0
	}
	i := c.search(x)
	return i < len(c.spans) && c.spans[i].lo <= x
}

// search returns the index of the first run ending at or after x.
func (c *chunk) search(x uint16) int {
	lo, hi := 0, len(c.spans)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.spans[m].hi < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// add inserts x and reports whether it was new.
func (c *chunk) add(x uint16) bool {
	switch {
	case c.full():
		return false
	case c.bits != nil:
		w, b := x>>6, uint64(1)<<(x&63)
		if c.bits[w]&b != 0 {
			return false
		}
		c.bits[w] |= b
	default:
		if !c.addSpan(x) {
			return false
		}
		if len(c.spans) > maxChunkSpans {
			c.toBits()
		}
	}
	c.n++
	if c.full() {
		c.spans, c.bits = nil, nil
	}
	return true
}

// addSpan inserts x into the run list: extending the last run is the common
// case; otherwise a binary search finds the neighbours to extend or merge.
func (c *chunk) addSpan(x uint16) bool {
	s := c.spans
	n := len(s)
	if n == 0 || int(x) > int(s[n-1].hi)+1 {
		c.spans = append(s, span16{x, x})
		return true
	}
	if int(x) == int(s[n-1].hi)+1 {
		s[n-1].hi = x
		return true
	}
	i := c.search(x)
	if s[i].lo <= x {
		return false
	}
	left := i > 0 && int(s[i-1].hi)+1 == int(x)
	right := int(x)+1 == int(s[i].lo)
	switch {
	case left && right:
		s[i-1].hi = s[i].hi
		c.spans = append(s[:i], s[i+1:]...)
	case left:
		s[i-1].hi = x
	case right:
		s[i].lo = x
	default:
		s = append(s, span16{})
		copy(s[i+1:], s[i:])
		s[i] = span16{x, x}
		c.spans = s
	}
	return true
}

func (c *chunk) toBits() {
	c.bits = new([chunkWords]uint64)
	for _, sp := range c.spans {
		for x := int(sp.lo); x <= int(sp.hi); x++ {
			c.bits[x>>6] |= 1 << (x & 63)
		}
	}
	c.spans = nil
}

// Set is a set of sequence numbers below MaxSeq.
type Set struct {
	chunks []*chunk
	n      uint64
}

// Add inserts v and reports whether it was new. Callers keep v below MaxSeq.
func (s *Set) Add(v uint64) bool {
	i := int(v >> chunkBits)
	for len(s.chunks) <= i {
		s.chunks = append(s.chunks, nil)
	}
	c := s.chunks[i]
	if c == nil {
		c = &chunk{}
		s.chunks[i] = c
	}
	if !c.add(uint16(v)) {
		return false
	}
	s.n++
	return true
}

// Has reports whether v is in s; a nil set holds nothing.
func (s *Set) Has(v uint64) bool {
	if s == nil {
		return false
	}
	i := v >> chunkBits
	if i >= uint64(len(s.chunks)) || s.chunks[i] == nil {
		return false
	}
	return s.chunks[i].has(uint16(v))
}

// Count is the number of values in s.
func (s *Set) Count() uint64 {
	if s == nil {
		return 0
	}
	return s.n
}

// Bound is one past the highest value s has room for without growing.
func (s *Set) Bound() uint64 {
	if s == nil {
		return 0
	}
	return uint64(len(s.chunks)) << chunkBits
}

// Footprint reports what the set holds: run-list entries and bitmap chunks,
// and an estimate of its bytes.
func (s *Set) Footprint() (spans, bitmaps, bytes int) {
	bytes = 8 * cap(s.chunks)
	for _, c := range s.chunks {
		if c == nil {
			continue
		}
		bytes += 40 + 4*cap(c.spans)
		spans += len(c.spans)
		if c.bits != nil {
			bitmaps++
			bytes += 8 * chunkWords
		}
	}
	return spans, bitmaps, bytes
}

// Sets indexes sets by producer id, growing on demand.
type Sets []*Set

// At returns producer p's set, creating it; nil when p is out of range.
func (ss *Sets) At(p uint64) *Set {
	if p >= MaxProducers {
		return nil
	}
	for uint64(len(*ss)) <= p {
		*ss = append(*ss, nil)
	}
	s := (*ss)[p]
	if s == nil {
		s = &Set{}
		(*ss)[p] = s
	}
	return s
}

// Get returns producer p's set or nil.
func (ss Sets) Get(p int) *Set {
	if p >= len(ss) {
		return nil
	}
	return ss[p]
}
