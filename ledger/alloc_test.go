package ledger

import (
	"sync/atomic"
	"testing"
)

// stream is an in-order workload for the hot paths: orders of three steps
// on eight partitions, one producer.
type stream struct {
	l   *Ledger
	seq uint64
	e   Event
}

func newStream() *stream {
	return &stream{l: New(testRun, testEnv, t0, testStall), e: event(0, 0)}
}

// next fills s.e with the next record and advances.
func (s *stream) next() *Event {
	seq := s.seq
	s.seq++
	s.e.Seq, s.e.Order, s.e.Step = seq, seq/3, Step(seq%3+1)
	s.e.Partition, s.e.Offset = int32(s.e.Order%8), int64(seq)
	return &s.e
}

func (s *stream) ack() {
	e := s.next()
	s.l.Acked(ID{e.Producer, e.Seq}, e.Partition, e.Offset, e.Intended, e.Sent, at(1.002))
}

func (s *stream) fail() {
	e := s.next()
	s.l.Failed(ID{e.Producer, e.Seq}, e.Intended, e.Sent, at(2))
}

func (s *stream) unknown() {
	e := s.next()
	s.l.Unknown(ID{e.Producer, e.Seq}, e.Intended, e.Sent, at(2))
}

func (s *stream) process() { s.l.Processed(s.next(), at(1.5)) }
func (s *stream) drain()   { s.l.Drained(s.next()) }

func (s *stream) sample() {
	e := s.next()
	s.l.SampleLag(at(float64(e.Seq)/4), e.Partition, int64(e.Seq)+10, int64(e.Seq))
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for name, call := range map[string]func(*stream){
		"Acked":     (*stream).ack,
		"Failed":    (*stream).fail,
		"Unknown":   (*stream).unknown,
		"Processed": (*stream).process,
		"Drained":   (*stream).drain,
	} {
		t.Run(name, func(t *testing.T) {
			s := newStream()
			for range 1000 { // warm up: first chunk, map buckets, histogram paths
				call(s)
			}
			// One run of many calls, so that the count is exact, not an
			// average rounded down.
			const calls = 20000
			if n := testing.AllocsPerRun(1, func() {
				for range calls {
					call(s)
				}
			}); n != 0 {
				t.Errorf("%s allocated %v times in %d calls", name, n, calls)
			}
		})
	}
}

func BenchmarkAcked(b *testing.B) {
	s := newStream()
	b.ReportAllocs()
	for b.Loop() {
		s.ack()
	}
}

func BenchmarkAckedParallel(b *testing.B) {
	l := New(testRun, testEnv, t0, testStall)
	var producers atomic.Uint32
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		p := producers.Add(1) - 1
		now := at(1.002)
		for seq := uint64(0); pb.Next(); seq++ {
			l.Acked(ID{p, seq}, int32(seq%8), int64(seq), at(1), at(1), now)
		}
	})
}

func BenchmarkProcessed(b *testing.B) {
	s := newStream()
	b.ReportAllocs()
	for b.Loop() {
		s.process()
	}
}

func BenchmarkDrained(b *testing.B) {
	s := newStream()
	b.ReportAllocs()
	for b.Loop() {
		s.drain()
	}
}

func BenchmarkSampleLag(b *testing.B) {
	s := newStream()
	b.ReportAllocs()
	for b.Loop() {
		s.sample()
	}
}
