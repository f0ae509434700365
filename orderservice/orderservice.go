package orderservice

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/orders"
)

// The order service is the order system's query service the kitchen display
// looks orders up in, as in the incident: a limited thread pool that fell
// over when the kitchen used 50 threads, reading from a replica that lagged
// the primary by seconds, so an order looked up right after it was written
// came back empty or without its dishes.

// ServiceSpec configures the order service. Zero values: no delay, unlimited capacity, no replica lag.
type ServiceSpec struct {
	ServiceTime time.Duration // time spent per served request (a sleep, like a query)
	Capacity    int           // requests served at once; 0 = unlimited
	// Overload is what happens beyond Capacity: "reject" (default; answer 503
	// at once) or "queue" (wait for a free slot; a request whose client gave
	// up is still served to the end, as a real server thread does).
	Overload   string
	ReplicaLag time.Duration // an order's details become readable this long after it was written
	// StaleReads is what a lookup inside the lag answers: "partial" (default:
	// the order without its dishes) or "not-found" (404).
	StaleReads string
}

// Overload and stale-read modes.
const (
	OverloadReject  = "reject"
	OverloadQueue   = "queue"
	StalePartial    = "partial"
	StaleNotFound   = "not-found"
	serviceShutdown = 5 * time.Second // Close's wait for connections that never sent a request
)

// Check says what is wrong with spec, each problem at its field by the
// scenario's name for it (below order_service).
func (spec ServiceSpec) Check() problem.List {
	var bad problem.List
	if spec.ServiceTime < 0 {
		bad.Add("service_time", fmt.Sprintf("want a duration of 0 or more, got %v", spec.ServiceTime))
	}
	if spec.Capacity < 0 {
		bad.Add("capacity", "want 0 (unlimited) or a positive number of requests")
	}
	if spec.ReplicaLag < 0 {
		bad.Add("replica_lag", fmt.Sprintf("want a duration of 0 or more, got %v", spec.ReplicaLag))
	}
	switch spec.Overload {
	case "", OverloadReject, OverloadQueue:
		// Without a limit nothing is ever over it: the setting is a mistake.
		if spec.Overload != "" && spec.Capacity == 0 {
			bad.Add("overload", "nothing is over an unlimited capacity: set capacity")
		}
	default:
		bad.Add("overload", fmt.Sprintf("want reject (503 at once) or queue (wait for a slot), got %q", spec.Overload))
	}
	switch spec.StaleReads {
	case "", StalePartial, StaleNotFound:
		if spec.StaleReads != "" && spec.ReplicaLag == 0 {
			bad.Add("stale_reads", "no read is stale without a replica lag: set replica_lag")
		}
	default:
		bad.Add("stale_reads", fmt.Sprintf("want partial (the order without its dishes) or not-found, got %q", spec.StaleReads))
	}
	return bad
}

// ServiceStats counts what the order service answered.
type ServiceStats struct {
	Requests    int64 // every GET /orders/{id}
	Complete    int64 // 200 with dishes
	Partial     int64 // 200 without dishes: read inside the replica lag
	NotFound    int64 // 404: never written, or read inside the lag with not-found stale reads
	Rejected    int64 // 422: a poison order
	Overloaded  int64 // 503 at once: over capacity with reject
	BadRequests int64 // 400: not a decimal order id
	ClientGone  int64 // served to the end after the client had given up
	Abandoned   int64 // of those, requests that had queued for a slot: the overload's doing
	MaxInFlight int64 // most requests served at once (never above Capacity)
	MaxQueued   int64 // most requests waiting for a slot (queue)
}

// OrderService is the order system's query service, on loopback.
type OrderService struct {
	spec    ServiceSpec
	srv     *http.Server
	addr    string
	served  chan struct{} // closed when Serve has returned
	closing chan struct{} // closed by Close: waiting and sleeping handlers give up
	once    sync.Once
	slots   chan struct{} // the thread pool; nil: unlimited

	gate     sync.Mutex // orders handlers' start against Close's wait
	closed   bool
	handlers sync.WaitGroup

	writes   writeLog
	rejectMu sync.RWMutex
	rejects  map[uint64]struct{}
	nRejects atomic.Int64 // lets lookups skip the lock while no order is rejected

	inFlight, queued atomic.Int64
	counts           serviceCounters
}

type serviceCounters struct {
	requests, complete, partial, notFound, rejected atomic.Int64
	overloaded, badRequests, clientGone, abandoned  atomic.Int64
	maxInFlight, maxQueued                          atomic.Int64
}

// StartOrderService validates spec and serves on 127.0.0.1 at a free port.
func StartOrderService(spec ServiceSpec) (*OrderService, error) {
	if bad := spec.Check(); bad != nil {
		return nil, fmt.Errorf("order service: %w", &bad[0])
	}
	spec.Overload = cmp.Or(spec.Overload, OverloadReject)
	spec.StaleReads = cmp.Or(spec.StaleReads, StalePartial)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("order service: listen: %w", err)
	}
	s := &OrderService{spec: spec, addr: ln.Addr().String(), served: make(chan struct{}),
		closing: make(chan struct{}), rejects: map[uint64]struct{}{}}
	if spec.Capacity > 0 {
		s.slots = make(chan struct{}, spec.Capacity)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", s.serveOrder)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln) // returns ErrServerClosed once Close begins
	}()
	return s, nil
}

// Addr is the host:port the service listens on.
func (s *OrderService) Addr() string { return s.addr }

// Close stops the server and waits for every handler to return. Requests
// still waiting for a slot or in their service time are answered 503.
func (s *OrderService) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closing)
		ctx, cancel := context.WithTimeout(context.Background(), serviceShutdown)
		defer cancel()
		if err = s.srv.Shutdown(ctx); err != nil {
			err = s.srv.Close() // connections that never sent a request hold Shutdown
		}
		<-s.served
		s.gate.Lock()
		s.closed = true
		s.gate.Unlock()
		s.handlers.Wait()
	})
	if err != nil {
		return fmt.Errorf("order service: close: %w", err)
	}
	return nil
}

// Stats reads the counters.
func (s *OrderService) Stats() ServiceStats {
	c := &s.counts
	return ServiceStats{
		Requests: c.requests.Load(), Complete: c.complete.Load(), Partial: c.partial.Load(),
		NotFound: c.notFound.Load(), Rejected: c.rejected.Load(), Overloaded: c.overloaded.Load(),
		BadRequests: c.badRequests.Load(), ClientGone: c.clientGone.Load(), Abandoned: c.abandoned.Load(),
		MaxInFlight: c.maxInFlight.Load(), MaxQueued: c.maxQueued.Load(),
	}
}

// Written records that the order system wrote order to the primary at at
// (zero: now). It is on the producer's send path: lock-free, and allocating
// only a new block every few thousand ordinals. The first time is kept.
func (s *OrderService) Written(order uint64, at time.Time) {
	if at.IsZero() {
		at = time.Now()
	}
	s.writes.record(order, at.UnixNano())
}

// Reject makes the service refuse order from now on (a poison order): 422.
func (s *OrderService) Reject(order uint64) {
	s.rejectMu.Lock()
	defer s.rejectMu.Unlock()
	if _, ok := s.rejects[order]; !ok {
		s.rejects[order] = struct{}{}
		s.nRejects.Add(1)
	}
}

func (s *OrderService) isRejected(order uint64) bool {
	if s.nRejects.Load() == 0 {
		return false
	}
	s.rejectMu.RLock()
	defer s.rejectMu.RUnlock()
	_, ok := s.rejects[order]
	return ok
}

var (
	errOverloaded = errors.New("overloaded")
	errClosing    = errors.New("shutting down")
)

func (s *OrderService) serveOrder(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		http.Error(w, errClosing.Error(), http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()
	s.counts.requests.Add(1)
	order, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		s.counts.badRequests.Add(1)
		http.Error(w, "bad order id", http.StatusBadRequest)
		return
	}
	queued, err := s.acquire()
	if err != nil {
		if err == errOverloaded {
			s.counts.overloaded.Add(1)
		}
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	done := s.work()
	s.release()
	if !done {
		http.Error(w, errClosing.Error(), http.StatusServiceUnavailable)
		return
	}
	if r.Context().Err() != nil {
		s.counts.clientGone.Add(1) // the thread did the work for nobody
		if queued {
			s.counts.abandoned.Add(1)
		}
	}
	s.answer(w, order, time.Now())
}

// enter registers a handler unless Close is already waiting for them.
func (s *OrderService) enter() bool {
	s.gate.Lock()
	defer s.gate.Unlock()
	if s.closed {
		return false
	}
	s.handlers.Add(1)
	return true
}

// acquire takes a slot of the thread pool, by the overload policy; queued
// says the request had to wait for one.
func (s *OrderService) acquire() (queued bool, err error) {
	if s.slots != nil {
		select {
		case s.slots <- struct{}{}:
		default:
			if s.spec.Overload == OverloadReject {
				return false, errOverloaded
			}
			if err := s.wait(); err != nil {
				return true, err
			}
			queued = true
		}
	}
	raiseMax(&s.counts.maxInFlight, s.inFlight.Add(1))
	return queued, nil
}

// wait queues for a slot; the client's context is ignored on purpose: a
// real server does not notice that the client has gone.
func (s *OrderService) wait() error {
	raiseMax(&s.counts.maxQueued, s.queued.Add(1))
	defer s.queued.Add(-1)
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-s.closing:
		return errClosing
	}
}

func (s *OrderService) release() {
	s.inFlight.Add(-1)
	if s.slots != nil {
		<-s.slots
	}
}

// work spends the service time; false when Close interrupted it.
func (s *OrderService) work() bool {
	if s.spec.ServiceTime <= 0 {
		return true
	}
	t := time.NewTimer(s.spec.ServiceTime)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	}
}

// orderBody is the answer; orders.Dishes is omitted when the replica has not caught up.
type orderBody struct {
	Order  uint64 `json:"order"`
	Dishes int    `json:"dishes,omitempty"`
}

// answer reads order from the replica as it is at now.
func (s *OrderService) answer(w http.ResponseWriter, order uint64, now time.Time) {
	if s.isRejected(order) {
		s.counts.rejected.Add(1)
		http.Error(w, "order rejected", http.StatusUnprocessableEntity)
		return
	}
	at, known := s.writes.lookup(order)
	switch {
	case known && at == 0:
		s.counts.notFound.Add(1)
		http.Error(w, "order not found", http.StatusNotFound)
	case !known || now.UnixNano()-at >= int64(s.spec.ReplicaLag):
		s.counts.complete.Add(1)
		writeJSON(w, orderBody{Order: order, Dishes: orders.Dishes(order)})
	case s.spec.StaleReads == StaleNotFound:
		s.counts.notFound.Add(1)
		http.Error(w, "order not found (replica behind)", http.StatusNotFound)
	default:
		s.counts.partial.Add(1)
		writeJSON(w, orderBody{Order: order})
	}
}

func writeJSON(w http.ResponseWriter, body orderBody) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body) // a write error means the client has gone
}

// raiseMax lifts m to v if v is higher.
func raiseMax(m *atomic.Int64, v int64) {
	for {
		cur := m.Load()
		if v <= cur || m.CompareAndSwap(cur, v) {
			return
		}
	}
}

// writeLog holds when each order was written, per producer a table indexed
// by ordinal (see orders.OrderID). The table is split in blocks allocated on first
// use, so it grows without copying and is read and written without locks.
type writeLog struct {
	producers [logProducers]atomic.Pointer[ordinalTable]
}

const (
	logProducers = 64      // producers (the id's high bits) the log keeps
	logOrdinals  = 1 << 24 // ordinals per producer the log keeps
	blockBits    = 12
	blockLen     = 1 << blockBits
)

type (
	writeBlock   [blockLen]atomic.Int64 // unix ns of the first write; 0: not written
	ordinalTable [logOrdinals / blockLen]atomic.Pointer[writeBlock]
)

// splitOrder locates order's write time in the log; ok is false for ids
// outside the scheme, which are not tracked.
func splitOrder(order uint64) (producer, block, index uint64, ok bool) {
	producer, ordinal := order>>40, order&(1<<40-1)
	if producer >= logProducers || ordinal >= logOrdinals {
		return 0, 0, 0, false
	}
	return producer, ordinal >> blockBits, ordinal & (blockLen - 1), true
}

func (l *writeLog) record(order uint64, at int64) {
	p, b, i, ok := splitOrder(order)
	if !ok {
		return
	}
	table := loadOrMake(&l.producers[p])
	loadOrMake(&table[b])[i].CompareAndSwap(0, at)
}

// lookup returns order's write time (0: never written); known is false for
// ids the log does not track.
func (l *writeLog) lookup(order uint64) (at int64, known bool) {
	p, b, i, ok := splitOrder(order)
	if !ok {
		return 0, false
	}
	table := l.producers[p].Load()
	if table == nil {
		return 0, true
	}
	block := table[b].Load()
	if block == nil {
		return 0, true
	}
	return block[i].Load(), true
}

// loadOrMake returns *p, allocating it first if needed; racing writers agree
// on one value.
func loadOrMake[T any](p *atomic.Pointer[T]) *T {
	if v := p.Load(); v != nil {
		return v
	}
	p.CompareAndSwap(nil, new(T))
	return p.Load()
}
