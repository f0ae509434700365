package ledger

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// LatencyPoint summarises one second of produce acks, so a report can show
// latency over time next to the fault timeline.
type LatencyPoint struct {
	At    time.Time `json:"at"` // start of the second
	Count int64     `json:"count"`
	Min   float64   `json:"min_ms"`
	P50   float64   `json:"p50_ms"`
	P99   float64   `json:"p99_ms"`
	Max   float64   `json:"max_ms"`
}

// latencySeries rolls a histogram over each second of ack times.
type latencySeries struct {
	h      *hdrhistogram.Histogram
	from   time.Time
	points []LatencyPoint
}

func newLatencySeries() latencySeries { return latencySeries{h: newLatency()} }

func (s *latencySeries) record(now time.Time, d time.Duration) {
	if s.from.IsZero() {
		s.from = now.Truncate(time.Second)
	}
	if now.Sub(s.from) >= time.Second {
		s.flush()
		s.from = now.Truncate(time.Second)
	}
	recordLatency(s.h, d)
}

// flush closes the current second; histogram reads and Reset do not allocate.
func (s *latencySeries) flush() {
	if s.h.TotalCount() == 0 {
		return
	}
	s.points = append(s.points, s.point())
	s.h.Reset()
}

// point summarises the current second.
func (s *latencySeries) point() LatencyPoint {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return LatencyPoint{At: s.from, Count: s.h.TotalCount(), Min: ms(s.h.Min()),
		P50: ms(s.h.ValueAtQuantile(50)), P99: ms(s.h.ValueAtQuantile(99)), Max: ms(s.h.Max())}
}

// snapshot returns the closed seconds plus the one in progress.
func (s *latencySeries) snapshot() []LatencyPoint {
	out := append([]LatencyPoint(nil), s.points...)
	if s.h.TotalCount() > 0 {
		out = append(out, s.point())
	}
	return out
}

// CountPoint is how many things happened in one second.
type CountPoint struct {
	At    time.Time `json:"at"` // start of the second
	Count int64     `json:"count"`
}

// countSeries counts events per second of their own time, which may come
// out of order (a send's time, recorded when its outcome arrives).
type countSeries struct {
	from   time.Time
	counts []int64
}

func (s *countSeries) add(t time.Time) {
	if s.from.IsZero() {
		s.from = t.Truncate(time.Second)
	}
	i := int(t.Sub(s.from) / time.Second)
	if t.Before(s.from) {
		// Rare: earlier than the first second seen; open the seconds before.
		shift := int(s.from.Sub(t.Truncate(time.Second)) / time.Second)
		s.counts = append(make([]int64, shift), s.counts...)
		s.from = s.from.Add(-time.Duration(shift) * time.Second)
		i = int(t.Sub(s.from) / time.Second)
	}
	s.counts = growTo(s.counts, i)
	s.counts[i]++
}

func (s *countSeries) snapshot() []CountPoint {
	out := make([]CountPoint, len(s.counts))
	for i, n := range s.counts {
		out[i] = CountPoint{At: s.from.Add(time.Duration(i) * time.Second), Count: n}
	}
	return out
}
