package kitchen

import (
	"context"
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/internal/tick"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/ledger"
)

// retrier applies the retry table asynchronously, oldest event of each order
// first, as seed 001's elastic-job did: a failed retry waits longer each
// time; after MaxAttempts the order is marked failed and its events dropped.
type retrier struct {
	k    *kitchen
	stop context.CancelFunc
	done chan struct{}
}

const retryTick = 100 * time.Millisecond

func startRetrier(k *kitchen) *retrier {
	ctx, cancel := context.WithCancel(context.Background())
	r := &retrier{k: k, stop: cancel, done: make(chan struct{})}
	go r.loop(ctx)
	return r
}

func (r *retrier) loop(ctx context.Context) {
	defer close(r.done)
	tick.Every(ctx, retryTick, func() {
		for r.round(ctx) && ctx.Err() == nil {
		}
	})
}

// round retries every due order once; it reports whether any event was
// applied, so the next one of that order can go at once.
func (r *retrier) round(ctx context.Context) bool {
	due, err := r.k.db.Due(ctx, time.Now(), 256)
	if err != nil {
		if ctx.Err() == nil {
			r.k.errs.Add(fmt.Errorf("retry table: %w", err))
		}
		return false
	}
	applied := false
	for i := range due {
		if ctx.Err() != nil {
			return false
		}
		applied = r.retry(ctx, &due[i]) || applied
	}
	return applied
}

// retry tries one parked event under its order's lock.
func (r *retrier) retry(ctx context.Context, p *kitchendb.ParkedEvent) bool {
	k := r.k
	p.Event.Run, p.Event.Env = k.spec.Identity.Run, k.spec.Identity.Env
	unlock := k.parked.lock(p.Event.Order)
	defer unlock()
	err := k.try(ctx, &p.Event, p.Value)
	if ctx.Err() != nil {
		return false
	}
	if err == nil {
		if uerr := k.db.Unpark(ctx, p.ID); uerr != nil {
			k.errs.Add(fmt.Errorf("retry table: %w", uerr))
			return false
		}
		k.parked.done(p.Event.Order, 1)
		k.out.Processed(&p.Event, time.Now())
		return true
	}
	k.errs.Add(fmt.Errorf("retry: %w", tallied(err)))
	attempts := p.Attempts + 1
	k.out.Failing(&p.Event, err, attempts, time.Now())
	if attempts >= k.spec.MaxAttempts {
		r.giveUp(ctx, p.Event.Order)
		return false
	}
	next := time.Now().Add(min(k.spec.RetryBackoff<<min(attempts, 16), 30*time.Second))
	if rerr := k.db.Retried(ctx, p.ID, err, next); rerr != nil {
		k.errs.Add(fmt.Errorf("retry table: %w", rerr))
	}
	return false
}

// giveUp drops the order's parked events and marks it failed.
func (r *retrier) giveUp(ctx context.Context, order uint64) {
	k := r.k
	events, err := k.db.ParkedOf(ctx, order)
	if err == nil {
		err = k.db.GiveUp(ctx, order)
	}
	if err != nil {
		k.errs.Add(fmt.Errorf("retry table: give up order %d: %w", order, err))
		return
	}
	for i := range events {
		e := &events[i].Event
		e.Run, e.Env = k.spec.Identity.Run, k.spec.Identity.Env
		k.out.Diverted(e, ledger.GaveUp)
	}
	k.parked.done(order, -1)
}

func (r *retrier) close() {
	r.stop()
	<-r.done
}
