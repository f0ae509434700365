package kitchen

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// commitMode is how a franz-go member commits what it polls.
type commitMode interface {
	// beforePoll runs before each poll.
	beforePoll()
	// polled takes a non-empty poll's records to their commit; false ends
	// the poll loop (the member stops, crashes or cannot go on).
	polled(ctx context.Context, recs []*kgo.Record) bool
}

// commitMode is the member's mode: a transactional pipeline's, the naive
// auto-commit, or at least once (commit after processing).
func (in *instance) commitMode() commitMode {
	switch {
	case in.sess != nil:
		return transactional{in}
	case in.g.spec.Config.AutoCommit:
		return &autoCommit{in: in, last: time.Now()}
	}
	return atLeastOnce{in}
}

// autoCommit commits on an interval what earlier polls returned, processed
// or not, as the Java client's poll does.
type autoCommit struct {
	in   *instance
	last time.Time
}

func (a *autoCommit) beforePoll() {
	in := a.in
	if time.Since(a.last) < in.g.spec.Config.AutoCommitInterval || !in.autoCommitting.CompareAndSwap(false, true) {
		return
	}
	// Without waiting for the answer; one commit at a time (a due one
	// waits for the last).
	a.last = time.Now()
	cl := in.client()
	go func() {
		defer in.autoCommitting.Store(false)
		in.commitPolledOn(cl)
	}()
}

func (a *autoCommit) polled(_ context.Context, recs []*kgo.Record) bool {
	a.in.dispatch(recs)
	return true
}

// atLeastOnce processes a poll, waits for its results, then commits it.
type atLeastOnce struct{ in *instance }

func (atLeastOnce) beforePoll() {}

func (m atLeastOnce) polled(ctx context.Context, recs []*kgo.Record) bool {
	in := m.in
	in.dispatch(recs)
	timedOut := in.waitBatch()
	in.fwd.Wait() // results are written before their input is committed
	if in.dropped.Load() || in.crashLate.Load() {
		return false // abandoned, or dying between processing and commit
	}
	if in.fwdFailed.Swap(false) {
		// A result was not written: the batch must not be committed. A
		// new client starts over from the committed offsets, so the batch
		// is processed and forwarded again (at least once).
		return in.rejoinOrEnd()
	}
	if timedOut && ctx.Err() != nil {
		in.dropped.Store(true) // stopping, and out of the group: no rejoin, no final commit
		return false
	}
	if timedOut {
		// Out of the group: the commit would be refused (the Java client's
		// CommitFailedException); the next owner gets the batch again.
		// Rejoin, as the next poll does.
		return in.rejoinOrEnd()
	}
	in.commit(recs)
	in.allowRebalance()
	return true
}

// rejoinOrEnd rejoins; it reports whether the member can go on.
func (in *instance) rejoinOrEnd() bool {
	if err := in.rejoin(); err != nil {
		in.g.errs.Add(err)
		return false
	}
	return true
}

// transactional commits each poll's results and input offsets in one
// transaction of the member's session.
type transactional struct{ in *instance }

func (transactional) beforePoll() {}

func (m transactional) polled(ctx context.Context, recs []*kgo.Record) bool {
	in := m.in
	if in.revoked.Swap(false) {
		// The session aborts the next transaction after any revocation
		// (even one at the group's first join): end it now, before the
		// batch is processed, so its side effects are not replayed.
		return in.endTxn(kgo.TryAbort)
	}
	if err := in.sess.Begin(); err != nil {
		// The producer id could not be had (its coordinator was down): a
		// new session starts over from the committed offsets.
		in.g.errs.Add(fmt.Errorf("begin transaction: %w", err))
		return sleepCtx(ctx, in.g.spec.RetryBackoff) && in.rejoin() == nil
	}
	in.dispatch(recs)
	in.waitBatch()
	in.fwd.Wait()
	if in.crashLate.Load() {
		return false // dying with the transaction open: the coordinator aborts it
	}
	if in.dropped.Load() {
		in.endTxn(kgo.TryAbort) // work abandoned at a stop: nothing of it may commit
		return false
	}
	return in.endTxn(kgo.TryCommit)
}
