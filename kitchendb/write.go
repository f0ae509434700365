package kitchendb

import (
	"context"
	"fmt"

	"github.com/chaosrun/chaosrun/ledger"
)

// Sink stores a processed event; the kitchen display's database.
type Sink interface {
	Apply(ctx context.Context, e *ledger.Event, dishes int) error
	// ApplyBatch writes the rows in one statement (upsert mode only); of
	// several writes of one order the last wins, as if applied in turn.
	ApplyBatch(ctx context.Context, ws []Write) error
}

// Write is one order row for ApplyBatch: the event and its dishes.
type Write struct {
	Event  *ledger.Event
	Dishes int
}

// MaxBatch bounds the rows of one batched write.
const MaxBatch = 2000

// statement names the write an event takes in a sink mode: an upsert, or
// in insert mode (seed 000's naive sink) an insert of a new order and an
// update of a known one. Both dialects prepare statements by these names.
func statement(mode string, step ledger.Step) string {
	switch {
	case mode != ModeInsert:
		return "upsert"
	case step == ledger.StepCreated:
		return "insert"
	}
	return "update"
}

// batchable is what a batched write applies: refused outside upsert mode
// (an insert batch would fail whole on one duplicate), else the last write
// of each order.
func batchable(mode string, ws []Write) ([]Write, error) {
	if mode != ModeUpsert {
		return nil, fmt.Errorf("batched writes need sink mode %s, not %s", ModeUpsert, mode)
	}
	return lastPerOrder(ws), nil
}

// lastPerOrder keeps, of several writes of one order, only the last, in
// place and in order: one statement may not touch a row twice (PostgreSQL
// refuses), and the last write is the row's final state either way.
func lastPerOrder(ws []Write) []Write {
	last := make(map[uint64]int, len(ws))
	for i, w := range ws {
		last[w.Event.Order] = i
	}
	if len(last) == len(ws) {
		return ws
	}
	out := ws[:0]
	for i, w := range ws {
		if last[w.Event.Order] == i {
			out = append(out, w)
		}
	}
	return out
}
