package load

import (
	"math/rand/v2"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// orderEvent is one step of one order.
type orderEvent struct {
	order    uint64
	merchant uint64
	step     ledger.Step
}

// orderGen generates order lifecycles for one producer: a window of open orders,
// each going created → paid → completed (or cancelled), interleaved at random.
type orderGen struct {
	producer uint32
	rng      *rand.Rand
	zipf     *rand.Zipf
	open     []orderEvent // zero order id: slot free
	next     uint64       // next ordinal
}

const (
	openOrders  = 32
	cancelShare = 10 // percent of paid orders that end cancelled
)

func newOrderGen(seed uint64, producer uint32, merchants int) *orderGen {
	rng := rand.New(rand.NewPCG(seed, uint64(producer)+1))
	return &orderGen{
		producer: producer,
		rng:      rng,
		zipf:     rand.NewZipf(rng, 1.2, 1, uint64(max(merchants, 1)-1)),
		open:     make([]orderEvent, openOrders),
		next:     1,
	}
}

// nextEvent returns the next step of some open order, opening a new order
// when it picks a free slot.
func (g *orderGen) nextEvent() orderEvent {
	slot := &g.open[g.rng.IntN(len(g.open))]
	switch slot.step {
	case ledger.StepUnknown:
		*slot = orderEvent{order: orders.OrderID(g.producer, g.next), merchant: g.zipf.Uint64() + 1, step: ledger.StepCreated}
		g.next++
	case ledger.StepCreated:
		slot.step = ledger.StepPaid
	case ledger.StepPaid:
		slot.step = ledger.StepCompleted
		if g.rng.IntN(100) < cancelShare {
			slot.step = ledger.StepCancelled
		}
	}
	ev := *slot
	if ev.step.Final() {
		*slot = orderEvent{}
	}
	return ev
}
