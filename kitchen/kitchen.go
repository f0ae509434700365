package kitchen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/orderservice"
)

// Processings is where the kitchen display reports what became of each
// event; ledger.Ledger is one.
type Processings interface {
	Processed(e *ledger.Event, now time.Time)
	Diverted(e *ledger.Event, how ledger.Diversion)
	Parked(e *ledger.Event)
	Failing(e *ledger.Event, err error, attempts int, now time.Time)
	// OwnershipChanged: member was assigned, had revoked or lost partitions.
	OwnershipChanged(at time.Time, member int, kind string, generation int32, partitions []int32)
}

// Processing failures the kitchen display itself detects.
var (
	errUndecodable = errors.New("undecodable payload")
	errNotFound    = errors.New("order service: order not found (replica behind?)")
	errPartial     = errors.New("order service: order without its dishes (replica behind?)")
)

// member is what processing needs from the group member it runs in.
type member interface {
	// deadLetter publishes the record to the dead-letter topic.
	deadLetter(it *item, cause error, attempts int) error
	// forward sends the result of a processed record on (a pipeline's
	// output); a no-op without one.
	forward(it *item)
}

// item is one polled record on its way through a worker.
type item struct {
	e   ledger.Event
	rec *kgo.Record // nil when the record's identity could not be read
}

// kitchen is the processing the group's members share: the lookup, the
// database and the retry table.
type kitchen struct {
	spec   ConsumeSpec
	db     kitchendb.KitchenDB
	out    Processings
	errs   *clientconf.ErrorTally
	parked parkedOrders
	slow   atomic.Int64 // processing time per event while a consumer-slow fault lasts; 0: spec's
	writes sinkTimer
}

// try processes one event once: decode the payload, look the order up,
// write it.
func (k *kitchen) try(ctx context.Context, e *ledger.Event, value []byte) error {
	dishes, write, err := k.prepare(ctx, e, value)
	if err != nil || !write {
		return err
	}
	began := time.Now()
	if err := k.db.Apply(ctx, e, dishes); err != nil {
		return fmt.Errorf("sink: %w", err)
	}
	k.writes.observe(time.Since(began), 1)
	return nil
}

// prepare is everything before the write: decode the payload, work, look
// the order up. write is false when there is nothing to show (an order the
// service does not know, without retry_empty).
func (k *kitchen) prepare(ctx context.Context, e *ledger.Event, value []byte) (dishes int, write bool, err error) {
	if value != nil && !valueMatches(value, e.Order) {
		return 0, false, errUndecodable
	}
	d := k.spec.ProcessingTime
	if s := time.Duration(k.slow.Load()); s > 0 {
		d = s
	}
	if d > 0 {
		time.Sleep(d)
	}
	dishes = orders.Dishes(e.Order)
	if k.spec.Lookup != nil {
		res, err := k.spec.Lookup.Get(ctx, e.Order)
		switch {
		case err != nil:
			return 0, false, err
		case !res.Found && k.spec.RetryEmpty:
			return 0, false, errNotFound
		case !res.Found:
			return 0, false, nil // nothing to show: the kitchen never displays the order
		case !res.Complete && k.spec.RetryEmpty:
			return 0, false, errPartial
		}
		dishes = res.Dishes
		if !res.Complete {
			dishes = 0
		}
	}
	return dishes, true, nil
}

// handleBatch takes a worker's run of events, in order, to their end with
// one write for all that are ready. An event that fails before its write,
// or whose order has events parked, goes the one-by-one way once the rows
// before it are written; if the batched write fails, the failure is
// counted once and each of its events goes the one-by-one way too. It
// returns false when work was abandoned (see handle).
func (k *kitchen) handleBatch(ctx, stopping context.Context, its []*item, m member) bool {
	ws := make([]kitchendb.Write, 0, len(its))
	pending := make([]*item, 0, len(its))
	flush := func() bool {
		if len(pending) == 0 {
			return true
		}
		began := time.Now()
		err := k.db.ApplyBatch(ctx, ws)
		if err == nil {
			k.writes.observe(time.Since(began), len(ws))
			now := time.Now()
			for _, it := range pending {
				m.forward(it)
				k.out.Processed(&it.e, now)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			// Counted once; then each event is written on its own, in
			// order, under the failure policy: the first that still fails
			// is retried (or diverted) as row by row would, and once the
			// database is back the rest land without a recorded failure.
			k.errs.Add(fmt.Errorf("sink: batch of %d: %w", len(ws), err))
			for _, it := range pending {
				if !k.handle(ctx, stopping, it, m) {
					return false
				}
			}
		}
		ws, pending = ws[:0], pending[:0]
		return true
	}
	for _, it := range its {
		if k.spec.OnFailure.Parks() && k.parked.has(it.e.Order) {
			if !flush() || !k.handle(ctx, stopping, it, m) {
				return false
			}
			continue
		}
		dishes, write, err := k.prepare(ctx, &it.e, it.rec.Value)
		switch {
		case err != nil:
			if !flush() || ctx.Err() != nil || !k.handleAfter(ctx, stopping, it, m, err) {
				return false
			}
		case write:
			ws = append(ws, kitchendb.Write{Event: &it.e, Dishes: dishes})
			pending = append(pending, it)
		default:
			// Nothing to write; processed in its turn, after the rows before it.
			if !flush() {
				return false
			}
			m.forward(it)
			k.out.Processed(&it.e, time.Now())
		}
	}
	return flush()
}

// valueMatches checks the payload is the order event its headers describe:
// it starts {"order":<id>. It does not allocate.
func valueMatches(v []byte, order uint64) bool {
	const prefix = `{"order":`
	if !bytes.HasPrefix(v, []byte(prefix)) {
		return false
	}
	var num [20]byte
	id := strconv.AppendUint(num[:0], order, 10)
	rest := v[len(prefix):]
	return bytes.HasPrefix(rest, id) && len(rest) > len(id) && (rest[len(id)] == ',' || rest[len(id)] == '}')
}

// handle takes one event to its end under the failure policy. ctx bounds
// the work; once stopping ends, a failed event is not tried again. It
// returns false when the event was abandoned unhandled (the member is
// stopping or crashing), so nothing more may be committed.
func (k *kitchen) handle(ctx, stopping context.Context, it *item, m member) bool {
	return k.handleAfter(ctx, stopping, it, m, nil)
}

// handleAfter is handle when, if failed is not nil, a first try has
// already been made elsewhere and failed so.
func (k *kitchen) handleAfter(ctx, stopping context.Context, it *item, m member, failed error) bool {
	e := &it.e
	policy := k.spec.OnFailure
	if policy.Parks() {
		unlock := k.parked.lock(e.Order)
		defer unlock()
		if k.parked.has(e.Order) {
			return k.park(ctx, it, nil)
		}
	}
	for attempt := 1; ; attempt++ {
		err := failed
		if attempt > 1 || failed == nil {
			err = k.try(ctx, e, it.rec.Value)
		}
		if err == nil {
			m.forward(it)
			k.out.Processed(e, time.Now())
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		k.errs.Add(tallied(err))
		k.out.Failing(e, err, attempt, time.Now())
		if settled, ok := policy.failed(ctx, k, it, err, attempt, m); settled {
			return ok
		}
		if !sleepCtx(stopping, k.backoff(attempt)) || ctx.Err() != nil {
			return false
		}
	}
}

// tallied is err as the error tally counts it: a lookup error by its
// cause, not once per order.
func tallied(err error) error {
	var le *orderservice.LookupError
	if errors.As(err, &le) {
		return fmt.Errorf("order service: lookup: %w", le.Err)
	}
	return err
}

// backoff grows with the attempts, up to a second (or retry_backoff, when
// that is longer): a record retried in place holds its partition.
func (k *kitchen) backoff(attempt int) time.Duration {
	return min(k.spec.RetryBackoff*time.Duration(attempt), max(time.Second, k.spec.RetryBackoff))
}

// sleepCtx sleeps d unless ctx ends first; it reports whether it slept.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
