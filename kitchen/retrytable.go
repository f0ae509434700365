package kitchen

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RetryTable parks a failed event, and the order's later events behind it,
// in the retry table; the retrier applies them asynchronously (seed 001).
var RetryTable Policy = retryTable{}

type retryTable struct{}

func (retryTable) Name() string      { return "retry-table" }
func (retryTable) Parks() bool       { return true }
func (retryTable) DeadLetters() bool { return false }

func (retryTable) failed(ctx context.Context, k *kitchen, it *item, err error, _ int, _ member) (bool, bool) {
	return true, k.park(ctx, it, err)
}

// park puts the event in the retry table (behind its order's earlier ones).
func (k *kitchen) park(ctx context.Context, it *item, cause error) bool {
	for attempt := 1; ; attempt++ {
		err := k.db.Park(ctx, &it.e, it.rec.Value, cause, time.Now().Add(k.spec.RetryBackoff))
		if err == nil {
			k.parked.add(it.e.Order)
			k.out.Parked(&it.e)
			return true
		}
		k.errs.Add(fmt.Errorf("park: %w", err))
		if !sleepCtx(ctx, k.backoff(attempt)) {
			return false
		}
	}
}

// parkedOrders knows which orders have events in the retry table, and
// serialises the work on one order between the workers and the retrier.
type parkedOrders struct {
	mu      sync.Mutex
	count   map[uint64]int
	stripes [64]sync.Mutex
}

func (p *parkedOrders) lock(order uint64) (unlock func()) {
	m := &p.stripes[order%uint64(len(p.stripes))]
	m.Lock()
	return m.Unlock
}

func (p *parkedOrders) has(order uint64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count[order] > 0
}

func (p *parkedOrders) add(order uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count == nil {
		p.count = map[uint64]int{}
	}
	p.count[order]++
}

// done removes n events of order; all of them when n < 0.
func (p *parkedOrders) done(order uint64, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.count[order] - n; n >= 0 && c > 0 {
		p.count[order] = c
		return
	}
	delete(p.count, order)
}

// total is how many events are parked.
func (p *parkedOrders) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.count {
		n += c
	}
	return n
}
