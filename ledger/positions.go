package ledger

// positions remembers where each acked send of one producer landed, so that
// a record missing from the final drain can be told apart: below the
// partition's log start it was deleted by retention (Kafka did as it was
// configured), above it Kafka lost it. Chunks are allocated once per
// chunkSize acks; recording is a store.
type positions struct {
	chunks []*[chunkSize]uint64 // by seq>>chunkBits; 0: no ack recorded
}

// maxOffset bounds the offsets a position packs (48 bits, one kept for "none").
const maxOffset = 1<<48 - 2

// set records that seq was acked at partition/offset; values out of range
// are not kept (the record is then judged as if its position were unknown).
func (p *positions) set(seq uint64, partition int32, offset int64) {
	if !partitionOK(partition) || offset < 0 || offset > maxOffset || seq >= maxSeq {
		return
	}
	c := int(seq >> chunkBits)
	p.chunks = growTo(p.chunks, c)
	if p.chunks[c] == nil {
		p.chunks[c] = new([chunkSize]uint64)
	}
	p.chunks[c][seq&(chunkSize-1)] = uint64(partition)<<48 | uint64(offset+1)
}

// get returns where seq was acked.
func (p *positions) get(seq uint64) (partition int32, offset int64, ok bool) {
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

// splitRuns yields the values of src for which keep holds, as maximal runs.
type splitRuns struct {
	src  runs
	keep func(uint64) bool
	cur  span
	at   uint64 // next value of cur to look at
	has  bool
}

func filterRuns(src runs, keep func(uint64) bool) runs { return &splitRuns{src: src, keep: keep} }

func (s *splitRuns) next() (span, bool) {
	for {
		if !s.has {
			sp, ok := s.src.next()
			if !ok {
				return span{}, false
			}
			s.cur, s.at, s.has = sp, sp.lo, true
		}
		for s.at <= s.cur.hi && !s.keep(s.at) {
			s.at++
		}
		if s.at > s.cur.hi {
			s.has = false
			continue
		}
		lo := s.at
		for s.at <= s.cur.hi && s.keep(s.at) {
			s.at++
		}
		out := span{lo, s.at - 1}
		if s.at > s.cur.hi {
			s.has = false
		}
		return out, true
	}
}
