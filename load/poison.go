package load

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Poison kinds, as the poison fault names them.
const (
	PoisonUndecodable = "undecodable" // the value is not an order event
	PoisonRejected    = "rejected"    // the order service refuses the order from now on
)

// Poisoner turns sends into poison when a fault says so. One is shared by a
// run's producers; the send path pays one atomic load while it is idle.
type Poisoner struct {
	busy atomic.Bool // poisoning, or some order is rejected

	mu       sync.Mutex
	kind     string
	left     int     // count mode: sends still to poison
	fraction float64 // fraction mode: probability per send
	rng      *rand.Rand
	rejected map[uint64]bool
	book     OrderBook
}

// OrderBook is the order system's own database, written as orders are sent;
// the order service reads it (behind its replica lag).
type OrderBook interface {
	Written(order uint64, at time.Time)
	Reject(order uint64)
}

// NewPoisoner makes the run's poisoner; book hears of rejected orders (nil:
// the kitchen looks nothing up, so nothing can be rejected).
func NewPoisoner(seed uint64, book OrderBook) *Poisoner {
	return &Poisoner{rng: rand.New(rand.NewPCG(seed, 0x706f69736f6e)), rejected: map[uint64]bool{}, book: book}
}

// Poison starts poisoning: the next count sends, or each send with
// probability fraction until StopPoison.
func (p *Poisoner) Poison(kind string, count int, fraction float64) error {
	if kind != PoisonUndecodable && kind != PoisonRejected {
		return fmt.Errorf("poison: unknown kind %q", kind)
	}
	if kind == PoisonRejected && p.book == nil {
		return fmt.Errorf("poison: rejected orders need the order service (consumer.lookup)")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kind, p.left, p.fraction = kind, count, fraction
	p.busy.Store(true)
	return nil
}

// StopPoison ends a fraction; rejected orders stay rejected.
func (p *Poisoner) StopPoison() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.left, p.fraction = 0, 0
	p.busy.Store(len(p.rejected) > 0)
}

// take decides whether the send of order (final: its last step) is
// poison, and whether its value must be garbled (undecodable) rather than
// refused by the service.
func (p *Poisoner) take(order uint64, final bool) (poison, garble bool) {
	if p == nil || !p.busy.Load() {
		return false, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rejected[order] {
		if final { // no step of it follows: the send path need not look again
			delete(p.rejected, order)
			p.busy.Store(p.left > 0 || p.fraction > 0 || len(p.rejected) > 0)
		}
		return true, false // every later step of a rejected order fails too
	}
	hit := p.left > 0 || (p.fraction > 0 && p.rng.Float64() < p.fraction)
	if !hit {
		return false, false
	}
	if p.left > 0 {
		p.left--
	}
	garble = p.kind == PoisonUndecodable
	if !garble {
		p.book.Reject(order)
		if !final {
			p.rejected[order] = true
		}
	}
	p.busy.Store(p.left > 0 || p.fraction > 0 || len(p.rejected) > 0)
	return true, garble
}
