package load

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// errBufferExhausted is the Java client's BufferExhaustedException: the
// buffer stayed full for max.block.ms and the send failed unsent.
var errBufferExhausted = errors.New("buffer.memory full for max.block.ms: the send failed without being buffered")

// produce hands b to franz-go. A send that finds the buffer full waits for
// room at most max.block.ms and then fails, as the Java client's does;
// franz-go alone would wait for as long as it takes.
func (p *producer) produce(b *eventBuf, promise func(*kgo.Record, error)) {
	cfg := &p.spec.Config
	if cfg.BufferMemory > 0 && p.cl.BufferedProduceBytes()+recordBytes(&b.rec)+1024 > cfg.BufferMemory {
		ctx := newBlockCtx(cfg.MaxBlock) // allocates: only when the buffer is (nearly) full
		p.cl.Produce(ctx, &b.rec, promise)
		ctx.release()
		return
	}
	p.cl.Produce(context.Background(), &b.rec, promise)
}

// recordBytes is what franz-go counts against its buffer for r.
func recordBytes(r *kgo.Record) int64 {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return int64(n)
}

// blockCtx is done only if its time runs out while the send is still
// blocked: franz-go keeps a send's context with the buffered record and
// would fail it later otherwise.
type blockCtx struct {
	mu       sync.Mutex
	done     chan struct{}
	released bool
	expired  bool
	timer    *time.Timer
}

func newBlockCtx(d time.Duration) *blockCtx {
	c := &blockCtx{done: make(chan struct{})}
	c.timer = time.AfterFunc(d, c.fire)
	return c
}

func (c *blockCtx) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.released {
		c.expired = true
		close(c.done)
	}
}

// release: the send is buffered (or failed); the context never ends now.
func (c *blockCtx) release() {
	c.mu.Lock()
	c.released = true
	c.mu.Unlock()
	c.timer.Stop()
}

func (c *blockCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *blockCtx) Value(any) any               { return nil }

// Done and Err change once the send is released: the record is buffered
// (or already failed), and a timer that fired on the way (between franz-go
// buffering it and release) must not fail it, or its batch, later.
func (c *blockCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return nil // never done
	}
	return c.done
}

func (c *blockCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expired && !c.released {
		return errBufferExhausted
	}
	return nil
}
