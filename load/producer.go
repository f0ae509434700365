package load

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// ProduceSpec describes the producing half of the order workload.
type ProduceSpec struct {
	Topic string
	// Phases is the load shape; empty: one steady phase of Rate for Duration.
	Phases      []Phase
	Rate        float64 // records per second over all producers, on an open-model schedule
	Producers   int
	Duration    time.Duration
	Key         orders.KeyMode
	Merchants   int
	MessageSize int
	Seed        uint64
	Identity    orders.Identity
	Config      clientconf.ProducerConfig
	Start       time.Time // time origin of the send schedule; zero: when Produce is called
	// FlushTimeout bounds the wait for in-flight sends after the schedule ends;
	// sends still open then are closed out as unknown.
	FlushTimeout time.Duration
	// Book hears of every new order before it is sent (the order system
	// writes its database, then publishes); nil when nothing reads it.
	Book OrderBook
	// Poison turns sends into poison when the poison fault fires; may be nil.
	Poison *Poisoner
	// Transactions, when set, sends in transactions (Config has the
	// transactional.id); Crashes carries the producer-crash fault to them.
	Transactions *Transactions
	Crashes      *ProducerCrashes
	// Java, when set, sends through Java client processes instead of franz-go.
	Java *clientconf.JavaClient
}

// Outcomes is where each send's outcome goes; ledger.Ledger is one.
type Outcomes interface {
	Acked(id ledger.ID, partition int32, offset int64, intended, sent, now time.Time)
	Failed(id ledger.ID, intended, sent, now time.Time)
	Unknown(id ledger.ID, intended, sent, now time.Time)
	Aborted(id ledger.ID, intended, sent, now time.Time) // its transaction was aborted
	Poisoned(id ledger.ID, order uint64, wholeOrder bool)
	// PhaseBegins: producer's sends from seq on are phase's; PhaseEnds: it
	// handed the phase's last record over at at.
	PhaseBegins(producer uint32, seq uint64, phase int, at time.Time)
	PhaseEnds(producer uint32, phase int, at time.Time)
}

// ProduceStats summarises the producers' errors for the log.
type ProduceStats struct {
	Errors map[string]int64       // error text → count
	Spans  []clientconf.ErrorSpan // the same, with when each was first and last seen
}

// Produce runs the producers until the schedule ends or ctx is done, then
// waits for outstanding sends so every send has an outcome.
func Produce(ctx context.Context, conn kafkaconn.Conn, spec ProduceSpec, out Outcomes) (ProduceStats, error) {
	if len(spec.Phases) == 0 {
		spec.Phases = []Phase{{Kind: Steady, Rate: spec.Rate, Duration: spec.Duration}}
	}
	if spec.Producers < 1 {
		return ProduceStats{}, fmt.Errorf("produce: need at least one producer")
	}
	for i, ph := range spec.Phases {
		// A phase's problems are about the phase as a whole, so only the
		// message is worth repeating.
		if ps := ph.Check(); len(ps) > 0 {
			return ProduceStats{}, fmt.Errorf("produce: phase %d: %s", i+1, ps[0].Msg)
		}
	}
	errs := clientconf.NewErrorTally()
	start := spec.Start
	if start.IsZero() {
		start = time.Now()
	}
	var wg sync.WaitGroup
	failures := make(chan error, spec.Producers)
	producers := make([]*producer, spec.Producers)
	for i := range producers {
		p, err := newProducer(conn, spec, uint32(i), out, errs)
		if err != nil {
			for _, started := range producers[:i] {
				started.closeClient()
			}
			return ProduceStats{}, err
		}
		producers[i] = p
	}
	for _, p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.run(ctx, start); err != nil {
				failures <- err
			}
		}()
	}
	wg.Wait()
	close(failures)
	return ProduceStats{Errors: errs.Snapshot(), Spans: errs.List()}, <-failures
}

type producer struct {
	cl       *kgo.Client
	conn     kafkaconn.Conn
	spec     ProduceSpec
	id       uint32
	gen      *orderGen
	out      Outcomes
	errs     *clientconf.ErrorTally
	pool     sync.Pool
	acksZero bool
	txn      *txnState   // nil: not transactional
	java     *javaSender // the Java client's process; nil: franz-go's client cl
	expiry   *expiry     // delivery.timeout.ms as the Java client keeps it; nil in transactions
}

func newProducer(conn kafkaconn.Conn, spec ProduceSpec, id uint32, out Outcomes, errs *clientconf.ErrorTally) (*producer, error) {
	p := &producer{
		conn: conn, spec: spec, id: id, out: out, errs: errs,
		gen:      newOrderGen(spec.Seed, id, spec.Merchants),
		acksZero: spec.Config.Acks == "0",
	}
	if spec.Transactions != nil {
		if spec.Config.TransactionalID == "" || spec.Transactions.Records < 1 {
			return nil, fmt.Errorf("producer %d: transactions need a transactional.id and at least one record each", id)
		}
		p.txn = newTxnState(*spec.Transactions, spec.Seed, id)
	}
	p.pool.New = func() any { return &eventBuf{value: make([]byte, 0, spec.MessageSize+64)} }
	if spec.Java != nil {
		if p.txn != nil {
			return nil, fmt.Errorf("producer %d: transactions are not supported on the Java client yet", id)
		}
		return p, p.startJava()
	}
	cl, err := p.connect()
	if err != nil {
		return nil, err
	}
	p.cl = cl
	if p.txn == nil && spec.Config.DeliveryTimeout > 0 {
		p.expiry = startExpiry(p, spec.Config.DeliveryTimeout)
	}
	return p, nil
}

// connect makes the producer's client; a transactional one takes the
// producer's own transactional.id.
func (p *producer) connect() (*kgo.Client, error) {
	opts := append([]kgo.Opt{kgo.DefaultProduceTopic(p.spec.Topic)}, p.spec.Config.Opts...)
	if p.txn != nil {
		opts = append(opts, kgo.TransactionalID(clientconf.TransactionalIDFor(p.spec.Config.TransactionalID, int(p.id))))
	}
	cl, err := p.conn.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("producer %d: %w", p.id, err)
	}
	return cl, nil
}

// run is the send loop, phase after phase: each send is due at a fixed time
// from its phase's start, so a stalled cluster makes sends late (and
// measured) instead of fewer. A timed phase begins when the one before was
// due to end; the phase after a flood begins when the flood is handed over.
func (p *producer) run(ctx context.Context, start time.Time) error {
	defer p.closeClient()
	seq := uint64(0)
	began := start
	for i, ph := range p.spec.Phases {
		if ctx.Err() != nil {
			break
		}
		p.out.PhaseBegins(p.id, seq, i, began)
		var err error
		seq, err = p.phase(ctx, newSlot(ph, p.id, p.spec.Producers), began, seq)
		if err != nil {
			return err
		}
		ended := time.Now()
		p.out.PhaseEnds(p.id, i, ended)
		if ph.Kind.Timed() {
			began = began.Add(ph.Duration)
		} else {
			began = ended
		}
	}
	if p.txn != nil {
		return p.endTxn() // the last, partly filled transaction
	}
	return p.flush()
}

// phase sends one phase's records from seq on and returns the next seq.
func (p *producer) phase(ctx context.Context, s slot, began time.Time, seq uint64) (uint64, error) {
	promise := p.promise
	if p.txn != nil {
		promise = p.txnPromise
	}
	for k := int64(0); ctx.Err() == nil; k++ {
		at, ok := s.due(k)
		if !ok {
			break
		}
		intended := began.Add(time.Duration(at * float64(time.Second)))
		if wait := time.Until(intended); wait > 200*time.Microsecond {
			if p.java != nil {
				if err := p.java.push(); err != nil { // hand over what is buffered before waiting
					return seq, err
				}
			}
			time.Sleep(wait) // waits are one interval at most; ctx is checked every send
		}
		if p.txn != nil {
			if o, ok := p.spec.Crashes.take(p.id, p.txn); ok {
				if err := p.crash(o); err != nil {
					return seq, err
				}
			}
			if err := p.beginTxn(); err != nil {
				return seq, err
			}
		}
		b := p.pool.Get().(*eventBuf)
		ev := p.gen.nextEvent()
		if p.spec.Book != nil && ev.step == ledger.StepCreated {
			p.spec.Book.Written(ev.order, time.Now())
		}
		b.fill(p.spec.Identity, p.spec.Topic, p.id, seq, ev, p.spec.Key, intended, time.Now(), p.spec.MessageSize)
		if poison, garble := p.spec.Poison.take(ev.order, ev.step.Final()); poison {
			if garble {
				b.garble()
			}
			p.out.Poisoned(b.id, ev.order, !garble) // a refused order is poison as a whole
		}
		// The client's own context, not ctx: stopping the schedule must not cancel sends already made.
		// A flood blocks here when the client's buffer is full: as fast as the producer can send.
		if p.java != nil {
			if err := p.java.send(b); err != nil {
				return seq, err
			}
		} else {
			if p.expiry != nil {
				p.expiry.arm(b)
			}
			p.produce(b, promise)
		}
		seq++
		if p.txn != nil {
			if err := p.sentInTxn(); err != nil {
				return seq, err
			}
		}
	}
	return seq, nil
}

// closeClient closes whichever client the producer has; a Java client
// still running (the run was cut short) is killed.
func (p *producer) closeClient() {
	if p.java != nil {
		p.java.finish(0)
		return
	}
	p.cl.Close() // the client may have been replaced on the way; buffered sends fail now
	if p.expiry != nil {
		p.expiry.close()
	}
}

func (p *producer) flush() error {
	timeout := p.spec.FlushTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	if p.java != nil {
		return p.java.finish(timeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if p.expiry != nil {
		ctx = p.expiry.settled(ctx)
	}
	if err := p.cl.Flush(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("producer %d flush: %w", p.id, err)
	}
	return nil // Close (deferred) fails what is still buffered; those sends become unknown
}

// promise records the outcome of one send and recycles its buffer.
func (p *producer) promise(r *kgo.Record, err error) {
	b := (*eventBuf)(unsafe.Pointer(r)) // rec is eventBuf's first field
	if p.expiry != nil && !p.expiry.settle(b) {
		if err == nil {
			p.errs.Add(errLateAck)
		}
		p.pool.Put(b)
		return
	}
	now := time.Now()
	switch {
	case err == nil && !p.acksZero:
		p.out.Acked(b.id, r.Partition, r.Offset, b.intended, b.sent, now)
	case err == nil: // acks=0: the broker never confirmed anything
		p.out.Unknown(b.id, b.intended, b.sent, now)
	case notWritten(err):
		p.errs.Add(err)
		p.out.Failed(b.id, b.intended, b.sent, now)
	default:
		p.errs.Add(err)
		p.out.Unknown(b.id, b.intended, b.sent, now)
	}
	p.pool.Put(b)
}

// notWritten reports errors after which the record is certainly not in the
// log: the broker refuses such a record on every attempt, so no earlier
// attempt can have written it. Anything else (timeouts, disconnects,
// leadership changes, and errors that can follow an attempt whose outcome
// was lost) may or may not have been written, and is unknown.
func notWritten(err error) bool {
	for _, e := range []error{
		kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidTopicException,
		kerr.TopicAuthorizationFailed, kerr.InvalidRecord, kerr.InvalidRequiredAcks, errBufferExhausted,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// TopErrors lists the most frequent errors, most frequent first.
func (s ProduceStats) TopErrors(n int) []string {
	type kv struct {
		k string
		v int64
	}
	var all []kv
	for k, v := range s.Errors {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, fmt.Sprintf("%d× %s", all[i].v, all[i].k))
	}
	return out
}
