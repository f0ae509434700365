package kitchen

import (
	"slices"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/chaosrun/chaosrun/ledger"
)

// SinkWrites is what the kitchen display's successful database writes
// cost: statements, rows, each statement's latency in microseconds, and
// the same per second of the run.
type SinkWrites struct {
	Statements, Rows int64
	Latency          *hdrhistogram.Histogram
	Series           []ledger.SinkSecond
}

// sinkTimer records each write; workers share it.
type sinkTimer struct {
	mu         sync.Mutex
	h          *hdrhistogram.Histogram
	statements int64
	rows       int64
	series     []ledger.SinkSecond // one per wall-clock second from the first write
}

const maxWriteMicros = int64(time.Hour / time.Microsecond)

func (t *sinkTimer) observe(d time.Duration, rows int) {
	us := min(max(d.Microseconds(), 1), maxWriteMicros)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.h == nil {
		t.h = hdrhistogram.New(1, maxWriteMicros, 3)
	}
	_ = t.h.RecordValue(us)
	t.statements++
	t.rows += int64(rows)
	sec := time.Now().Truncate(time.Second)
	if len(t.series) == 0 {
		t.series = append(t.series, ledger.SinkSecond{At: sec})
	}
	i := max(int(sec.Sub(t.series[0].At)/time.Second), 0)
	for len(t.series) <= i {
		t.series = append(t.series, ledger.SinkSecond{At: t.series[0].At.Add(time.Duration(len(t.series)) * time.Second)})
	}
	b := &t.series[i]
	b.Statements++
	b.Rows += int64(rows)
	b.Busy += d
}

func (t *sinkTimer) snapshot() SinkWrites {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := SinkWrites{Statements: t.statements, Rows: t.rows, Latency: hdrhistogram.New(1, maxWriteMicros, 3),
		Series: slices.Clone(t.series)}
	if t.h != nil {
		out.Latency.Merge(t.h)
	}
	return out
}
