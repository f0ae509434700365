package load

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// expiry holds franz-go to the Java client's delivery.timeout.ms: a send
// not acknowledged within it fails then, whatever the client is doing
// (franz-go checks its own record timeout only when it writes a request or
// reads a response, so a send stuck behind an unreachable broker, or in a
// request that never gets an answer, waits on). The outcome is unknown, not
// failed: franz-go still holds the record and may deliver it later, as a
// Java batch that expired in flight may have been written.
type expiry struct {
	timeout time.Duration
	p       *producer
	mu      sync.Mutex
	ring    []pending // sends in send order, from head; settled ones are dropped lazily
	head, n int
	open    atomic.Int64 // sends armed whose outcome is not claimed yet
	stop    chan struct{}
	done    chan struct{}
}

// pending is one send not yet known to be settled: a copy of what its
// outcome needs, since the buffer itself is recycled once it settles.
type pending struct {
	b        *eventBuf
	ticket   uint64
	id       ledger.ID
	intended time.Time
	sent     time.Time
}

var (
	errDeliveryTimeout = errors.New("no ack within delivery.timeout.ms: failed as the Java client fails it (outcome unknown: franz-go may still deliver it)")
	errLateAck         = errors.New("acked after delivery.timeout.ms had already failed it")
)

func startExpiry(p *producer, timeout time.Duration) *expiry {
	e := &expiry{timeout: timeout, p: p, ring: make([]pending, 1024), stop: make(chan struct{}), done: make(chan struct{})}
	go e.run()
	return e
}

// arm starts b's clock; its promise must settle it (settle) exactly once.
func (e *expiry) arm(b *eventBuf) {
	t := b.id.Seq + 1
	b.ticket.Store(t)
	e.open.Add(1)
	e.mu.Lock()
	if e.n == len(e.ring) {
		grown := make([]pending, 2*len(e.ring))
		for i := range e.n {
			grown[i] = e.ring[(e.head+i)%len(e.ring)]
		}
		e.ring, e.head = grown, 0
	}
	e.ring[(e.head+e.n)%len(e.ring)] = pending{b: b, ticket: t, id: b.id, intended: b.intended, sent: b.sent}
	e.n++
	e.mu.Unlock()
}

// settle claims b's outcome for its promise; false: the send had already
// expired, and only the buffer is left to recycle.
func (e *expiry) settle(b *eventBuf) bool {
	if b.ticket.CompareAndSwap(b.id.Seq+1, 0) {
		e.open.Add(-1)
		return true
	}
	return false
}

// settled is done once every send armed so far has its outcome, so a flush
// need not wait for records that already failed (franz-go holds them until
// it can send or is closed).
func (e *expiry) settled(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for e.open.Load() > 0 && ctx.Err() == nil {
			<-t.C
		}
		cancel()
	}()
	return ctx
}

func (e *expiry) run() {
	defer close(e.done)
	tick := time.NewTicker(min(e.timeout/10+time.Millisecond, 100*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-e.stop:
			return
		case now := <-tick.C:
			e.expire(now)
		}
	}
}

// expire fails the sends older than the timeout; sends are in send order,
// so it stops at the first unsettled one that is younger.
func (e *expiry) expire(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.n > 0 {
		h := &e.ring[e.head]
		if h.b.ticket.Load() == h.ticket {
			if now.Sub(h.sent) < e.timeout {
				return
			}
			if h.b.ticket.CompareAndSwap(h.ticket, 0) {
				e.open.Add(-1)
				e.p.errs.Add(errDeliveryTimeout)
				e.p.out.Unknown(h.id, h.intended, h.sent, now)
			}
		}
		*h = pending{}
		e.head = (e.head + 1) % len(e.ring)
		e.n--
	}
}

// close stops the clock once every send has settled (after Close).
func (e *expiry) close() {
	close(e.stop)
	<-e.done
}
