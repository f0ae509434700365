package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/ledger"
)

// Transactions makes each producer send in transactions (it needs a
// transactional.id): Records sends each, a seeded AbortRate of them aborted.
type Transactions struct {
	Records   int
	AbortRate float64
}

// txnSend is one send of the open transaction and what its produce said.
type txnSend struct {
	id             ledger.ID
	partition      int32
	offset         int64
	intended, sent time.Time
}

// txnState is a producer's open transaction. Outcomes are held until the
// transaction ends: a send is acked when its transaction commits, aborted
// when it aborts, unknown when the end's outcome is.
type txnState struct {
	spec    Transactions
	rng     *rand.Rand // seeded: which transactions abort
	mu      sync.Mutex // promises run on the client's goroutines
	pending []txnSend
	failed  bool // a send of the open transaction failed: it cannot commit
	open    bool
	n       int // sends made in the open transaction
}

func newTxnState(t Transactions, seed uint64, producer uint32) *txnState {
	return &txnState{spec: t, rng: rand.New(rand.NewPCG(seed^0x7478, uint64(producer)+1)),
		pending: make([]txnSend, 0, t.Records)}
}

// txnPromise keeps a send's result for its transaction's end.
func (p *producer) txnPromise(r *kgo.Record, err error) {
	b := (*eventBuf)(unsafe.Pointer(r))
	t := p.txn
	t.mu.Lock()
	t.pending = append(t.pending, txnSend{id: b.id, partition: r.Partition, offset: r.Offset, intended: b.intended, sent: b.sent})
	if err != nil {
		t.failed = true
		p.errs.Add(err)
	}
	t.mu.Unlock()
	p.pool.Put(b)
}

// beginTxn opens a transaction when none is.
func (p *producer) beginTxn() error {
	if p.txn.open {
		return nil
	}
	if err := p.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("producer %d: begin transaction: %w", p.id, err)
	}
	p.txn.open, p.txn.n = true, 0
	return nil
}

// sentInTxn counts a send; the transaction ends when it is full.
func (p *producer) sentInTxn() error {
	p.txn.n++
	if p.txn.n < p.txn.spec.Records {
		return nil
	}
	return p.endTxn()
}

// endTxn waits for the transaction's sends, then commits it, or aborts it
// when its turn to abort came up or a send failed (franz-go would commit
// what did succeed), and gives every send its outcome.
func (p *producer) endTxn() error {
	t := p.txn
	if !t.open {
		return nil
	}
	t.open = false
	fctx, cancel := context.WithTimeout(context.Background(), clientconf.TxnEndTimeout)
	flushErr := p.cl.Flush(fctx)
	cancel()
	abort := t.rng.Float64() < t.spec.AbortRate
	t.mu.Lock()
	failed := t.failed
	t.mu.Unlock()
	try := kgo.TryCommit
	if abort || failed || flushErr != nil {
		try = kgo.TryAbort
	}
	ectx, cancel := context.WithTimeout(context.Background(), clientconf.TxnEndTimeout)
	if flushErr != nil {
		// Sends still buffered fail now, so every result is in before
		// the outcomes are given (franz-go asks for this before an abort).
		_ = p.cl.AbortBufferedRecords(ectx)
	}
	endErr := p.cl.EndTransaction(ectx, try)
	cancel()
	now := time.Now()
	t.mu.Lock()
	for i := range t.pending {
		s := &t.pending[i]
		switch {
		case try == kgo.TryAbort: // an abort that did not finish still ends as one
			p.out.Aborted(s.id, s.intended, s.sent, now)
		case endErr != nil: // the commit may or may not have been written
			p.out.Unknown(s.id, s.intended, s.sent, now)
		default:
			p.out.Acked(s.id, s.partition, s.offset, s.intended, s.sent, now)
		}
	}
	t.pending, t.failed = t.pending[:0], false
	t.mu.Unlock()
	if endErr != nil {
		p.errs.Add(fmt.Errorf("end transaction: %w", endErr))
		return p.reconnect(0) // the old producer's state is unusable; a new one fences it
	}
	return nil
}

// crash drops the producer mid-transaction as a dying process would: no
// end is sent, so the coordinator aborts the transaction (when the new
// producer with the same transactional.id starts, or at its timeout).
func (p *producer) crash(o crashOrder) error {
	// Every send's result first (what was buffered fails, what was in
	// flight is answered), so none straggles into the next transaction;
	// no end is sent, and Close sends none either.
	actx, cancel := context.WithTimeout(context.Background(), clientconf.TxnEndTimeout)
	_ = p.cl.AbortBufferedRecords(actx)
	cancel()
	p.cl.Close()
	now := time.Now()
	t := p.txn
	t.mu.Lock()
	for _, s := range t.pending {
		p.out.Aborted(s.id, s.intended, s.sent, now)
	}
	t.pending, t.failed, t.open = t.pending[:0], false, false
	t.mu.Unlock()
	close(o.done)
	return p.reconnect(o.down)
}

// reconnect replaces the client after down.
func (p *producer) reconnect(down time.Duration) error {
	p.cl.Close()
	time.Sleep(down)
	cl, err := p.connect()
	if err != nil {
		return err
	}
	p.cl = cl
	return nil
}

// ProducerCrashes carries the producer-crash fault to the running producers.
type ProducerCrashes struct {
	mu   sync.Mutex
	want map[uint32]crashOrder
	any  atomic.Bool
}

type crashOrder struct {
	down time.Duration
	done chan struct{}
}

// NewProducerCrashes makes an empty set of crash orders.
func NewProducerCrashes() *ProducerCrashes {
	return &ProducerCrashes{want: map[uint32]crashOrder{}}
}

// Crash asks producer i to die in the middle of its next transaction and
// come back after down, and waits until it died.
func (c *ProducerCrashes) Crash(ctx context.Context, i int, down time.Duration) error {
	if c == nil {
		return fmt.Errorf("the producers do not run in transactions")
	}
	done := make(chan struct{})
	c.mu.Lock()
	if _, ok := c.want[uint32(i)]; ok {
		c.mu.Unlock()
		return fmt.Errorf("producer %d is already crashing", i)
	}
	c.want[uint32(i)] = crashOrder{down: down, done: done}
	c.any.Store(true)
	c.mu.Unlock()
	var err error
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-time.After(30 * time.Second):
		err = fmt.Errorf("producer %d did not crash within 30s (not sending?)", i)
	}
	c.mu.Lock() // an order not carried out must not fire later
	if o, ok := c.want[uint32(i)]; ok && o.done == done {
		delete(c.want, uint32(i))
		c.any.Store(len(c.want) > 0)
	}
	c.mu.Unlock()
	return err
}

// take returns producer id's crash order, if there is one; it is taken
// only in the middle of a transaction (one send made at least).
func (c *ProducerCrashes) take(id uint32, t *txnState) (crashOrder, bool) {
	if c == nil || !c.any.Load() || t == nil || !t.open || t.n == 0 {
		return crashOrder{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.want[id]
	if ok {
		delete(c.want, id)
		c.any.Store(len(c.want) > 0)
	}
	return o, ok
}
