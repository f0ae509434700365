package workloads

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// SinkWrites is what the kitchen display's successful database writes
// cost: statements, rows, and each statement's latency in microseconds.
type SinkWrites struct {
	Statements, Rows int64
	Latency          *hdrhistogram.Histogram
}

// sinkTimer records each write; workers share it.
type sinkTimer struct {
	mu         sync.Mutex
	h          *hdrhistogram.Histogram
	statements int64
	rows       int64
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
}

func (t *sinkTimer) snapshot() SinkWrites {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := SinkWrites{Statements: t.statements, Rows: t.rows, Latency: hdrhistogram.New(1, maxWriteMicros, 3)}
	if t.h != nil {
		out.Latency.Merge(t.h)
	}
	return out
}
