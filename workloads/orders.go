package workloads

import (
	"fmt"
	"math/rand/v2"

	"github.com/chaosrun/chaosrun/ledger"
)

// KeyMode chooses the record key, and so the partition an order lands on.
type KeyMode string

const (
	KeyOrder    KeyMode = "order"    // every order on one partition, orders spread evenly (the fix)
	KeyMerchant KeyMode = "merchant" // Zipf-skewed merchants: the hot-partition incident
	KeyNone     KeyMode = "none"     // no key: an order's steps scatter across partitions
)

// ParseKeyMode checks a key mode name.
func ParseKeyMode(s string) (KeyMode, error) {
	switch m := KeyMode(s); m {
	case KeyOrder, KeyMerchant, KeyNone:
		return m, nil
	}
	return "", fmt.Errorf("unknown key mode %q (want order, merchant or none)", s)
}

// UnmarshalText parses a key mode, so a scenario file is checked as it is read.
func (m *KeyMode) UnmarshalText(b []byte) error {
	v, err := ParseKeyMode(string(b))
	*m = v
	return err
}

// orderEvent is one step of one order.
type orderEvent struct {
	order    uint64
	merchant uint64
	step     ledger.Step
}

// OrderID is how a producer numbers its orders: producer in the high bits and
// an ordinal that only grows, which keeps the verifier's memory small.
func OrderID(producer uint32, ordinal uint64) uint64 { return uint64(producer)<<40 | ordinal }

// orders generates order lifecycles for one producer: a window of open orders,
// each going created → paid → completed (or cancelled), interleaved at random.
type orders struct {
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

func newOrders(seed uint64, producer uint32, merchants int) *orders {
	rng := rand.New(rand.NewPCG(seed, uint64(producer)+1))
	return &orders{
		producer: producer,
		rng:      rng,
		zipf:     rand.NewZipf(rng, 1.2, 1, uint64(max(merchants, 1)-1)),
		open:     make([]orderEvent, openOrders),
		next:     1,
	}
}

// nextEvent returns the next step of some open order, opening a new order
// when it picks a free slot.
func (g *orders) nextEvent() orderEvent {
	slot := &g.open[g.rng.IntN(len(g.open))]
	switch slot.step {
	case ledger.StepUnknown:
		*slot = orderEvent{order: OrderID(g.producer, g.next), merchant: g.zipf.Uint64() + 1, step: ledger.StepCreated}
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
