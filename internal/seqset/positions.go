package seqset

// Positions remembers where each acked send of one producer landed, so that
// a record missing from the final drain can be told apart: below the
// partition's log start it was deleted by retention (Kafka did as it was
// configured), above it Kafka lost it. Chunks are allocated once per
// chunkSize acks; recording is a store.
type Positions struct {
	chunks []*[chunkSize]uint64 // by seq>>chunkBits; 0: no ack recorded
}

// A position packs the partition in 16 bits and the offset in 48 (one value
// kept for "none").
const (
	maxPartition = 1<<16 - 1
	maxOffset    = 1<<48 - 2
)

// Set records that seq was acked at partition/offset; values out of range
// are not kept (the record is then judged as if its position were unknown).
func (p *Positions) Set(seq uint64, partition int32, offset int64) {
	if partition < 0 || partition > maxPartition || offset < 0 || offset > maxOffset || seq >= MaxSeq {
		return
	}
	c := int(seq >> chunkBits)
	for len(p.chunks) <= c {
		p.chunks = append(p.chunks, nil)
	}
	if p.chunks[c] == nil {
		p.chunks[c] = new([chunkSize]uint64)
	}
	p.chunks[c][seq&(chunkSize-1)] = uint64(partition)<<48 | uint64(offset+1)
}

// Get returns where seq was acked.
func (p *Positions) Get(seq uint64) (partition int32, offset int64, ok bool) {
	c := int(seq >> chunkBits)
	if c >= len(p.chunks) || p.chunks[c] == nil {
		return 0, 0, false
	}
	v := p.chunks[c][seq&(chunkSize-1)]
	if v == 0 {
		return 0, 0, false
	}
	return int32(v >> 48), int64(v&(1<<48-1)) - 1, true
}

// Filter yields the values of src for which keep holds, as maximal Runs.
type splitRuns struct {
	src  Runs
	keep func(uint64) bool
	cur  Span
	at   uint64 // next value of cur to look at
	has  bool
}

// Filter yields the values of src for which keep holds, as maximal runs.
func Filter(src Runs, keep func(uint64) bool) Runs { return &splitRuns{src: src, keep: keep} }

func (s *splitRuns) Next() (Span, bool) {
	for {
		if !s.has {
			sp, ok := s.src.Next()
			if !ok {
				return Span{}, false
			}
			s.cur, s.at, s.has = sp, sp.Lo, true
		}
		for s.at <= s.cur.Hi && !s.keep(s.at) {
			s.at++
		}
		if s.at > s.cur.Hi {
			s.has = false
			continue
		}
		lo := s.at
		for s.at <= s.cur.Hi && s.keep(s.at) {
			s.at++
		}
		out := Span{lo, s.at - 1}
		if s.at > s.cur.Hi {
			s.has = false
		}
		return out, true
	}
}
