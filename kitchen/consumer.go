package kitchen

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/orderservice"
)

// ConsumeSpec describes the "kitchen display" consumer group.
type ConsumeSpec struct {
	Topic          string
	Group          string
	Instances      int
	Workers        int           // per instance; an order always goes to the same worker
	ProcessingTime time.Duration // simulated kitchen work per event, on top of the sink write
	Identity       orders.Identity
	Config         clientconf.ConsumerConfig

	// orderservice.Lookup asks the order service for each order's dishes; nil: the
	// record's order is taken as complete.
	Lookup *orderservice.Lookup
	// RetryEmpty makes a lookup that finds no order, or one without its
	// dishes, a failure (seed 001's fix for replica lag).
	RetryEmpty bool
	// OnFailure is the failure policy (nil: Block).
	OnFailure Policy
	// MaxAttempts: dead-letter after this many tries; retry-table gives an
	// order up after this many retries.
	MaxAttempts int
	// RetryBackoff is the wait after a failed try (growing with attempts).
	RetryBackoff time.Duration
	// DeadLetterTopic receives what dead-letter gives up on.
	DeadLetterTopic string
	// Batch: a worker writes up to this many of the events it holds (its
	// share of a poll) in one statement; 0 or 1: one write per event.
	Batch int
	// Output, when set, makes the kitchen display a consume-transform-produce
	// stage: each processed record is forwarded to the output topic.
	Output *Output
	// Java, when set, runs each member as a Java client process.
	Java *clientconf.JavaClient
}

// Output is where the pipeline forwards what it processed. With a
// transactional.id in Config, each poll's results and its input offsets
// are committed in one transaction (franz-go's GroupTransactSession);
// without, results are forwarded and awaited, then the offsets committed.
type Output struct {
	Topic  string
	Config clientconf.ProducerConfig
}

// Transactional says whether the pipeline commits in transactions.
func (o *Output) Transactional() bool { return o != nil && o.Config.TransactionalID != "" }

// Group is the running consumer group: one franz-go client per instance.
type Group struct {
	conn    kafkaconn.Conn
	spec    ConsumeSpec
	kitchen *kitchen
	retrier *retrier
	errs    *clientconf.ErrorTally

	mu        sync.Mutex
	instances []*instance // nil slot: crashed and not restarted
}

// StartGroup starts spec.Instances consumers writing to db.
func StartGroup(conn kafkaconn.Conn, spec ConsumeSpec, db kitchendb.KitchenDB, out Processings) (*Group, error) {
	if spec.Instances < 1 || spec.Workers < 1 {
		return nil, fmt.Errorf("consumer group: need at least one instance and one worker")
	}
	if spec.OnFailure == nil {
		spec.OnFailure = Block
	}
	if spec.OnFailure.DeadLetters() && spec.DeadLetterTopic == "" {
		return nil, fmt.Errorf("consumer group: dead-letter needs a dead-letter topic")
	}
	if spec.Batch < 0 || spec.Batch > kitchendb.MaxBatch {
		return nil, fmt.Errorf("consumer group: batch %d: want 0 to %d rows per write", spec.Batch, kitchendb.MaxBatch)
	}
	if spec.Output != nil && spec.OnFailure.Parks() {
		return nil, fmt.Errorf("consumer group: the retry table applies events outside any poll: a pipeline cannot forward them")
	}
	if spec.Java != nil && (spec.Output != nil || spec.OnFailure.DeadLetters()) {
		return nil, fmt.Errorf("consumer group: on the Java client a member does not produce yet: no output topic, no dead-letter")
	}
	if spec.Output.Transactional() && spec.Config.AutoCommit {
		return nil, fmt.Errorf("consumer group: a transactional pipeline commits its offsets in its transactions: not with enable.auto.commit")
	}
	spec.MaxAttempts = max(spec.MaxAttempts, 1)
	spec.RetryBackoff = cmp.Or(spec.RetryBackoff, 100*time.Millisecond)
	g := &Group{conn: conn, spec: spec, errs: clientconf.NewErrorTally(),
		instances: make([]*instance, spec.Instances)}
	g.kitchen = &kitchen{spec: spec, db: db, out: out, errs: g.errs}
	if spec.OnFailure.Parks() {
		g.retrier = startRetrier(g.kitchen)
	}
	for i := range g.instances {
		if err := g.Restart(i); err != nil {
			g.Stop()
			return nil, err
		}
	}
	return g, nil
}

// Crash stops instance i the way a dying process does: right after its next
// poll (and, in the naive mode, the commit that comes before processing) it
// drops everything it holds unprocessed and leaves without committing more.
// With afterProcessing it dies later: its next batch is processed and
// written, but not committed, so the new owner gets it again.
func (g *Group) Crash(ctx context.Context, i int, afterProcessing bool) error {
	g.mu.Lock()
	if i < 0 || i >= len(g.instances) {
		g.mu.Unlock()
		return fmt.Errorf("consumer instance %d does not exist (have %d)", i, len(g.instances))
	}
	in := g.instances[i]
	g.instances[i] = nil
	g.mu.Unlock()
	if in == nil {
		return fmt.Errorf("consumer instance %d is not running", i)
	}
	in.crash(ctx, afterProcessing)
	return nil
}

// Restart starts a fresh instance in slot i, which must not be running.
func (g *Group) Restart(i int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i < 0 || i >= len(g.instances) {
		return fmt.Errorf("consumer instance %d does not exist (have %d)", i, len(g.instances))
	}
	if g.instances[i] != nil {
		return fmt.Errorf("consumer instance %d is already running", i)
	}
	in, err := startInstance(g, i)
	if err != nil {
		return err
	}
	g.instances[i] = in
	return nil
}

// Stop stops every instance gracefully: queued work is finished and
// committed; then the retrier stops, leaving what is still parked.
func (g *Group) Stop() {
	g.mu.Lock()
	ins := g.instances
	g.instances = make([]*instance, len(ins))
	g.mu.Unlock()
	// All at once: a member stuck on a record holds the group's rebalance,
	// and the others' leave waits for that rebalance.
	var wg sync.WaitGroup
	for _, in := range ins {
		if in != nil {
			wg.Go(in.stop)
		}
	}
	wg.Wait()
	if g.retrier != nil {
		g.retrier.close()
		g.retrier = nil
	}
}

// StopMember stops member i gracefully: its queued work is finished and
// committed and it leaves the group; Restart starts it again.
func (g *Group) StopMember(i int) error {
	g.mu.Lock()
	if i < 0 || i >= len(g.instances) || g.instances[i] == nil {
		g.mu.Unlock()
		return fmt.Errorf("consumer instance %d is not running", i)
	}
	in := g.instances[i]
	g.instances[i] = nil
	g.mu.Unlock()
	in.stop()
	return nil
}

// Scale changes the group to n members: new members join in new slots, or
// the highest slots stop gracefully and are removed.
func (g *Group) Scale(n int) error {
	if n < 1 {
		return fmt.Errorf("a group needs at least one member, not %d", n)
	}
	g.mu.Lock()
	was := len(g.instances)
	var gone []*instance
	if n < len(g.instances) {
		gone = g.instances[n:]
		g.instances = g.instances[:n:n]
	}
	for len(g.instances) < n {
		g.instances = append(g.instances, nil)
	}
	g.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range gone {
		if in != nil {
			wg.Go(in.stop)
		}
	}
	wg.Wait()
	// Only the new slots: a slot emptied by another fault is that fault's to refill.
	var errs []error
	for i := was; i < n; i++ {
		errs = append(errs, g.Restart(i))
	}
	return errors.Join(errs...)
}

// Slow sets the kitchen's processing time per event (0: back to the
// configured one).
func (g *Group) Slow(d time.Duration) { g.kitchen.slow.Store(int64(d)) }

// Members is how many member slots the group has, running or not.
func (g *Group) Members() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.instances)
}

// Parked is how many events wait in the retry table.
func (g *Group) Parked() int { return g.kitchen.parked.total() }

// Errors are the consumers' fetch, commit and sink errors by text.
func (g *Group) Errors() map[string]int64 { return g.errs.Snapshot() }

// SinkWrites is what the kitchen's database writes cost so far.
func (g *Group) SinkWrites() SinkWrites { return g.kitchen.writes.snapshot() }

// ErrorSpans are the same errors with when each was first and last seen.
func (g *Group) ErrorSpans() []clientconf.ErrorSpan { return g.errs.List() }

// instance is one group member: a poll loop feeding per-key ordered workers.
type instance struct {
	g              *Group
	slot           int
	mu             sync.Mutex
	cl             *kgo.Client               // replaced when the member rejoins after a poll timeout
	sess           *kgo.GroupTransactSession // the transactional pipeline's session around cl; nil otherwise
	fwd            sync.WaitGroup            // forwards of the current poll not yet acknowledged
	fwdFailed      atomic.Bool               // a forward of the open transaction failed: it cannot commit
	revoked        atomic.Bool               // partitions were revoked or lost since the last transaction ended
	owned          []int32                   // partitions assigned to it now, as its callbacks said
	cancelPoll     context.CancelFunc        // stops polling; queued work still finishes
	cancelWork     context.CancelFunc        // abandons work in progress (crash)
	queues         []chan item
	workers        sync.WaitGroup
	batch          sync.WaitGroup // safe mode: records of the current poll not yet processed
	loop           chan struct{}  // closed when the poll loop has returned
	crashAt        atomic.Bool    // crash after the next non-empty poll
	crashLate      atomic.Bool    // crash after processing the next batch, before its commit
	dropped        atomic.Bool    // workers discard instead of processing
	autoCommitting atomic.Bool    // an interval commit is on its way (naive mode)
	java           *javaMember    // the member's Java client process; nil: franz-go's client cl
}

func startInstance(g *Group, slot int) (*instance, error) {
	in := &instance{g: g, slot: slot, loop: make(chan struct{})}
	if g.spec.Java != nil {
		if err := in.startJava(); err != nil {
			return nil, err
		}
	} else {
		cl, sess, err := in.newClient()
		if err != nil {
			return nil, err
		}
		in.cl, in.sess = cl, sess
	}
	pollCtx, cancelPoll := context.WithCancel(context.Background())
	workCtx, cancelWork := context.WithCancel(context.Background())
	in.cancelPoll, in.cancelWork = cancelPoll, cancelWork
	for w := 0; w < g.spec.Workers; w++ {
		q := make(chan item, 256)
		in.queues = append(in.queues, q)
		in.workers.Add(1)
		go in.work(workCtx, pollCtx, q)
	}
	if in.java != nil {
		go in.pollJava()
	} else {
		go in.poll(pollCtx)
	}
	return in, nil
}

// newClient connects this member's client; each assignment, revocation and
// loss is reported with the group generation it came with. A pipeline's
// client produces too; a transactional one is wrapped in a session under
// the member's own transactional.id (a restarted member fences its
// predecessor's open transaction).
func (in *instance) newClient() (*kgo.Client, *kgo.GroupTransactSession, error) {
	g := in.g
	owned := func(kind string) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(ctx context.Context, cl *kgo.Client, ps map[string][]int32) {
			if kind != ledger.Assigned {
				in.revoked.Store(true) // a session aborts its next transaction after this (eager: even an empty one)
			}
			if kind == ledger.Revoked && g.spec.Config.AutoCommit && !in.dropped.Load() {
				// The Java client commits what was polled before it gives partitions up.
				if err := cl.CommitUncommittedOffsets(ctx); err != nil {
					g.errs.Add(fmt.Errorf("commit on revoke: %w", err))
				}
			}
			if parts := ps[g.spec.Topic]; len(parts) > 0 {
				_, gen := cl.GroupMetadata()
				in.track(kind, parts)
				g.kitchen.out.OwnershipChanged(time.Now(), in.slot, kind, gen, parts)
			}
		}
	}
	opts := append([]kgo.Opt{
		kgo.ConsumerGroup(g.spec.Group),
		kgo.ConsumeTopics(g.spec.Topic),
		// Transaction markers are polled and committed past, as the Java
		// client's position moves past them: else a partition whose log
		// ends in a marker shows a lag of 1 for ever.
		kgo.KeepControlRecords(),
		kgo.OnPartitionsAssigned(owned(ledger.Assigned)),
		kgo.OnPartitionsRevoked(owned(ledger.Revoked)),
		kgo.OnPartitionsLost(owned(ledger.Lost)),
	}, g.spec.Config.Opts...)
	if id := g.spec.Config.Resolved["group.instance.id"]; id != "" {
		// Static members need distinct ids: instance i is "<id>-<i>".
		opts = append(opts, kgo.InstanceID(fmt.Sprintf("%s-%d", id, in.slot)))
	}
	if out := g.spec.Output; out != nil {
		// The producer's settings first: the consumer's client.id wins.
		opts = append(slices.Clone(out.Config.Opts), opts...)
		if out.Transactional() {
			// Rebalances are not held off: a revocation during a
			// transaction makes the session abort it (held off, End's
			// heartbeat could wait on a rebalance the poll holds).
			opts = append(opts, kgo.TransactionalID(clientconf.TransactionalIDFor(out.Config.TransactionalID, in.slot)))
			sess, err := kgo.NewGroupTransactSession(append(g.conn.Opts(), opts...)...)
			if err != nil {
				return nil, nil, fmt.Errorf("consumer instance %d: %w", in.slot, err)
			}
			return sess.Client(), sess, nil
		}
	}
	if g.spec.Config.BlockRebalance() {
		opts = append(opts, kgo.BlockRebalanceOnPoll())
	}
	cl, err := g.conn.NewClient(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("consumer instance %d: %w", in.slot, err)
	}
	return cl, nil, nil
}

// track keeps the member's own view of what it owns.
func (in *instance) track(kind string, parts []int32) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if kind == ledger.Assigned {
		in.owned = append(in.owned, parts...)
		return
	}
	in.owned = slices.DeleteFunc(in.owned, func(p int32) bool { return slices.Contains(parts, p) })
}

// client is the member's current client.
func (in *instance) client() *kgo.Client {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cl
}

// poll is the member's poll loop; what it does with a poll's records, and
// how it commits them, is its commit mode's.
func (in *instance) poll(ctx context.Context) {
	defer close(in.loop)
	mode := in.commitMode()
	for ctx.Err() == nil {
		mode.beforePoll()
		fetches := in.pollOnce(ctx)
		if fetches.IsClientClosed() {
			return
		}
		// Records polled as a stop began are still processed: the client has
		// already moved past them, and the final commit must not skip them.
		recs := fetches.Records()
		if len(recs) == 0 {
			fetches.EachError(func(_ string, _ int32, err error) {
				if ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) { // pollOnce's own wake-up
					in.g.errs.Add(err)
				}
			})
			in.allowRebalance()
			continue
		}
		if in.crashAt.Load() {
			return // the batch dies with the process
		}
		if !mode.polled(ctx, recs) {
			return
		}
	}
}

// pollOnce polls; with auto-commit it returns at least every 100 ms, as a
// Java application's poll loop does, so a due commit is not held back by
// an idle topic.
func (in *instance) pollOnce(ctx context.Context) kgo.Fetches {
	if in.g.spec.Config.AutoCommit {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
	}
	return in.client().PollRecords(ctx, in.g.spec.Config.MaxPollRecords)
}

func (in *instance) dispatch(recs []*kgo.Record) {
	if !in.g.spec.Config.AutoCommit {
		n := 0
		for _, r := range recs {
			if !r.Attrs.IsControl() {
				n++
			}
		}
		in.batch.Add(n)
	}
	for _, r := range recs {
		if r.Attrs.IsControl() {
			continue // a transaction marker: committed past, never processed
		}
		it := item{rec: r}
		if err := in.g.spec.Identity.Decode(r, &it.e); err != nil {
			// Not a record of ours: accounted as a stray, never processed.
			it = item{e: ledger.Event{Run: "(" + err.Error() + ")", Partition: r.Partition, Offset: r.Offset}}
		}
		in.queues[it.e.Order%uint64(len(in.queues))] <- it
	}
}

// waitBatch waits for the batch to be processed. Processing a poll longer
// than max.poll.interval.ms puts the member out of the group then, as the
// Java client's poll timeout does: a dynamic member leaves at once (the
// group rebalances without it); a static one sends nothing. (Unlike the
// Java client's, franz-go's heartbeats go on meanwhile, so a static member
// keeps its partitions until it rejoins, however long the batch takes.)
// It reports the timeout.
func (in *instance) waitBatch() (timedOut bool) {
	limit := in.g.spec.Config.MaxPollInterval
	if limit <= 0 || in.sess != nil { // a session's member stays; its rebalance timeout still applies
		in.batch.Wait()
		return false
	}
	done := make(chan struct{})
	go func() { in.batch.Wait(); close(done) }()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
	}
	in.g.errs.Add(errPollTimeout)
	in.mu.Lock()
	owned := slices.Clone(in.owned)
	in.owned = nil
	in.mu.Unlock()
	_, gen := in.client().GroupMetadata()
	in.g.kitchen.out.OwnershipChanged(time.Now(), in.slot, ledger.PollTimeout, gen, owned)
	if !in.g.spec.Config.Static {
		cl := in.client()
		cl.AllowRebalance()
		_ = cl.LeaveGroupContext(nil) // nil: leave in the background
	}
	<-done
	return true
}

var errPollTimeout = errors.New("processing a poll took longer than max.poll.interval.ms: the member left the group, its batch's commit is refused and it rejoins")

// endTxn ends the poll's transaction: its results and its input offsets
// commit together, unless a forward failed or the group rebalanced, when
// the session aborts and rewinds to the committed offsets, so the batch is
// processed again. It reports whether the member can go on.
func (in *instance) endTxn(try kgo.TransactionEndTry) bool {
	if in.fwdFailed.Swap(false) {
		try = kgo.TryAbort
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientconf.TxnEndTimeout)
	committed, err := in.sess.End(ctx, try)
	cancel()
	in.sess.AllowRebalance()
	switch {
	case err != nil:
		in.g.errs.Add(fmt.Errorf("end transaction: %w", err))
		if err := in.rejoin(); err != nil { // the session is unusable: a new one fences it
			in.g.errs.Add(err)
			return false
		}
	case !committed && try == kgo.TryCommit:
		in.g.errs.Add(errTxnAborted)
	}
	return true
}

var errTxnAborted = errors.New("transaction aborted (a forward failed, or the group rebalanced): the batch is processed again")

// forward sends the result of a processed record to the output topic.
func (in *instance) forward(it *item) {
	out := in.g.spec.Output
	if out == nil || it.rec == nil {
		return
	}
	r := it.rec
	rec := &kgo.Record{Topic: out.Topic, Key: r.Key, Value: r.Value, Headers: r.Headers}
	in.fwd.Add(1)
	in.client().Produce(context.Background(), rec, in.forwarded)
}

// forwarded hears a forward's outcome. A failure keeps the poll from
// committing: a transaction aborts; without one the member starts over
// from the committed offsets. Either way the batch is processed again.
func (in *instance) forwarded(_ *kgo.Record, err error) {
	defer in.fwd.Done()
	if err != nil {
		in.g.errs.Add(fmt.Errorf("forward: %w", err))
		in.fwdFailed.Store(true)
	}
}

// rejoin replaces the member's client, as the Java client's next poll after
// a poll timeout joins the group again (a static member under its old id).
func (in *instance) rejoin() error {
	in.client().CloseAllowingRebalance()
	cl, sess, err := in.newClient()
	if err != nil {
		return err
	}
	in.mu.Lock()
	in.cl, in.sess = cl, sess
	in.mu.Unlock()
	return nil
}

// commit commits recs with its own deadline, so a stop that cancels polling
// does not cancel the commit of work already done.
func (in *instance) commit(recs []*kgo.Record) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	if err := in.client().CommitRecords(ctx, recs...); err != nil {
		in.g.errs.Add(fmt.Errorf("commit: %w", err))
	}
}

// commitPolled commits everything polled so far.
func (in *instance) commitPolled() { in.commitPolledOn(in.client()) }

func (in *instance) commitPolledOn(cl *kgo.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	if err := cl.CommitUncommittedOffsets(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, kgo.ErrClientClosed) {
		in.g.errs.Add(fmt.Errorf("commit: %w", err))
	}
}

const (
	commitTimeout = 10 * time.Second
	drainTimeout  = 30 * time.Second // a graceful stop waits this long for queued work
)

func (in *instance) allowRebalance() {
	if !in.g.spec.Config.AutoCommit {
		in.client().AllowRebalance()
	}
}

// work processes one worker's queue in order.
// stopping ends when the member begins to stop: a record being retried is
// abandoned then, uncommitted, rather than hold the stop.
func (in *instance) work(ctx, stopping context.Context, q chan item) {
	defer in.workers.Done()
	safe := !in.g.spec.Config.AutoCommit
	if n := in.g.spec.Batch; n > 1 {
		in.workBatches(ctx, stopping, q, n)
		return
	}
	for it := range q {
		switch {
		case in.dropped.Load():
		case it.rec == nil:
			in.g.kitchen.out.Processed(&it.e, time.Now()) // the ledger counts it a stray
		case !in.g.kitchen.handle(ctx, stopping, &it, in):
			in.dropped.Store(true) // abandoned mid-work: commit nothing more
		}
		if safe {
			in.batch.Done()
		}
	}
}

// workBatches is work with batched writes: each turn takes what the queue
// holds, up to n events, and writes them together.
func (in *instance) workBatches(ctx, stopping context.Context, q chan item, n int) {
	safe := !in.g.spec.Config.AutoCommit
	run := make([]item, 0, n)
	ready := make([]*item, 0, n)
	for first := range q {
		run = append(run[:0], first)
	gather:
		for len(run) < n {
			select {
			case it, ok := <-q:
				if !ok {
					break gather
				}
				run = append(run, it)
			default:
				break gather
			}
		}
		ready = ready[:0]
		for i := range run {
			switch it := &run[i]; {
			case in.dropped.Load():
			case it.rec == nil:
				in.g.kitchen.out.Processed(&it.e, time.Now()) // a stray
			default:
				ready = append(ready, it)
			}
		}
		if len(ready) > 0 && !in.dropped.Load() && !in.g.kitchen.handleBatch(ctx, stopping, ready, in) {
			in.dropped.Store(true)
		}
		if safe {
			for range run {
				in.batch.Done()
			}
		}
	}
}

// deadLetter publishes one record to the dead-letter topic and waits for
// its ack.
func (in *instance) deadLetter(it *item, cause error, attempts int) error {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	return in.client().ProduceSync(ctx, deadLetterRecord(in.g.spec.DeadLetterTopic, it.rec, cause, attempts)).FirstErr()
}

// crash waits (bounded) for the next non-empty poll, then drops everything.
func (in *instance) crash(ctx context.Context, afterProcessing bool) {
	if afterProcessing {
		in.crashLate.Store(true)
	} else {
		in.crashAt.Store(true)
	}
	select {
	case <-in.loop:
	case <-time.After(10 * time.Second): // nothing to poll: crash idle
	case <-ctx.Done():
	}
	in.dropped.Store(true)
	in.cancelWork()
	in.shutdown()
}

// stop finishes queued work and commits it before leaving.
func (in *instance) stop() {
	in.shutdown()
}

func (in *instance) shutdown() {
	if in.java != nil {
		in.shutdownJava()
		return
	}
	in.cancelPoll()
	// Work that does not finish must not hang the stop: past the deadline
	// it is abandoned (and stays uncommitted), which also frees a poll loop
	// waiting for its batch.
	stopAbandon := context.AfterFunc(timeoutCtx(drainTimeout), in.cancelWork)
	<-in.loop
	for _, q := range in.queues {
		close(q)
	}
	in.workers.Wait()
	if !stopAbandon() {
		in.dropped.Store(true) // work was abandoned: commit nothing more
	}
	if !in.dropped.Load() && in.sess == nil { // a session ended each poll's transaction
		in.commitPolled() // with auto-commit too: the Java client commits on close
	}
	in.cancelWork()
	in.client().CloseAllowingRebalance()
}

// timeoutCtx is a context that is done after d; its timer is released when
// it fires.
func timeoutCtx(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	context.AfterFunc(ctx, cancel)
	return ctx
}
