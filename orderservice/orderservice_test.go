package orderservice

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/orders"
)

func startService(t testing.TB, spec ServiceSpec) (*OrderService, *Lookup) {
	t.Helper()
	s, err := StartOrderService(spec)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLookup(s.Addr(), 5*time.Second)
	t.Cleanup(func() {
		l.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, l
}

func get(t *testing.T, l *Lookup, order uint64) LookupResult {
	t.Helper()
	res, err := l.Get(context.Background(), order)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestDishes(t *testing.T) {
	seen := map[int]int{}
	for ord := uint64(1); ord <= 1000; ord++ {
		id := orders.OrderID(uint32(ord%3), ord)
		n := orders.Dishes(id)
		if n < 1 || n > 5 {
			t.Fatalf("Dishes(%d) = %d, want 1..5", id, n)
		}
		if orders.Dishes(id) != n {
			t.Fatalf("Dishes(%d) is not deterministic", id)
		}
		seen[n]++
	}
	for n := 1; n <= 5; n++ {
		if seen[n] < 150 { // 200 expected each
			t.Errorf("%d dishes for %d of 1000 orders: %v", n, seen[n], seen)
		}
	}
}

func TestServiceReplicaLag(t *testing.T) {
	const lag = 100 * time.Millisecond
	for _, stale := range []string{StalePartial, StaleNotFound} {
		t.Run(stale, func(t *testing.T) {
			s, l := startService(t, ServiceSpec{ReplicaLag: lag, StaleReads: stale})
			fresh, old, never := orders.OrderID(1, 1), orders.OrderID(1, 2), orders.OrderID(1, 3)
			s.Written(fresh, time.Now())
			s.Written(old, time.Now().Add(-time.Hour))
			s.Written(old, time.Now()) // the first write counts

			want := LookupResult{Found: true} // partial
			if stale == StaleNotFound {
				want = LookupResult{}
			}
			if got := get(t, l, fresh); got != want {
				t.Errorf("inside the lag: %+v, want %+v", got, want)
			}
			complete := func(o uint64) LookupResult {
				return LookupResult{Found: true, Dishes: orders.Dishes(o), Complete: true}
			}
			if got := get(t, l, old); got != complete(old) {
				t.Errorf("written an hour ago: %+v, want %+v", got, complete(old))
			}
			if got := get(t, l, never); got != (LookupResult{}) {
				t.Errorf("never written: %+v, want not found", got)
			}
			time.Sleep(lag)
			if got := get(t, l, fresh); got != complete(fresh) {
				t.Errorf("after the lag: %+v, want %+v", got, complete(fresh))
			}
			if got := get(t, l, never); got != (LookupResult{}) {
				t.Errorf("never written, later: %+v, want not found", got)
			}
			st := s.Stats()
			wantStale := ServiceStats{Requests: 5, Complete: 2, Partial: 1, NotFound: 2}
			if stale == StaleNotFound {
				wantStale.Partial, wantStale.NotFound = 0, 3
			}
			wantStale.MaxInFlight = st.MaxInFlight
			if st != wantStale {
				t.Errorf("stats %+v, want %+v", st, wantStale)
			}
		})
	}
}

func TestServiceUntrackedIDsAreReadable(t *testing.T) {
	s, l := startService(t, ServiceSpec{ReplicaLag: time.Hour})
	for _, id := range []uint64{orders.OrderID(64, 1), orders.OrderID(0, 1<<24), 1<<64 - 1} {
		s.Written(id, time.Now()) // ignored
		if got := get(t, l, id); !got.Complete || got.Dishes != orders.Dishes(id) {
			t.Errorf("order %d outside the id scheme: %+v, want complete", id, got)
		}
	}
}

func TestServiceReject(t *testing.T) {
	s, l := startService(t, ServiceSpec{})
	o := orders.OrderID(0, 7)
	s.Written(o, time.Now())
	s.Reject(o)
	s.Reject(o)
	_, err := l.Get(context.Background(), o)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("rejected order: %v, want ErrRejected", err)
	}
	if want := "order service: lookup of order 7: order service rejected the order"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if got := get(t, l, orders.OrderID(0, 8)); got.Found {
		t.Errorf("another order: %+v, want not found", got) // never written
	}
	if st := s.Stats(); st.Rejected != 1 {
		t.Errorf("stats %+v, want 1 rejected", st)
	}
}

func TestServiceBadID(t *testing.T) {
	s, _ := startService(t, ServiceSpec{})
	for _, id := range []string{"abc", "-1", "1.5", "18446744073709551616"} {
		resp, err := http.Get("http://" + s.Addr() + "/orders/" + id)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("id %q: status %d, want 400", id, resp.StatusCode)
		}
	}
	if st := s.Stats(); st.BadRequests != 4 || st.Requests != 4 {
		t.Errorf("stats %+v, want 4 bad requests", st)
	}
}

// lookAll looks n orders up at once and returns the errors.
func lookAll(l *Lookup, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = l.Get(context.Background(), orders.OrderID(2, uint64(i+1))) })
	}
	wg.Wait()
	return errs
}

func TestServiceCapacityReject(t *testing.T) {
	s, l := startService(t, ServiceSpec{ServiceTime: 100 * time.Millisecond, Capacity: 2})
	overloaded := 0
	for _, err := range lookAll(l, 12) {
		switch {
		case errors.Is(err, ErrOverloaded):
			overloaded++
			if err.Error() != "order service: 503 overloaded" {
				t.Errorf("error %q", err)
			}
		case err != nil:
			t.Error(err)
		}
	}
	st := s.Stats()
	if overloaded == 0 || st.Overloaded != int64(overloaded) {
		t.Errorf("%d lookups overloaded, stats %+v: want some, counted", overloaded, st)
	}
	if st.MaxInFlight > 2 || st.NotFound+st.Overloaded != 12 {
		t.Errorf("stats %+v: want at most 2 in flight, every request answered", st)
	}
}

func TestServiceCapacityQueue(t *testing.T) {
	s, l := startService(t, ServiceSpec{ServiceTime: 20 * time.Millisecond, Capacity: 3, Overload: OverloadQueue})
	for _, err := range lookAll(l, 15) {
		if err != nil {
			t.Error(err)
		}
	}
	st := s.Stats()
	if st.NotFound != 15 || st.Overloaded != 0 || st.MaxInFlight > 3 || st.MaxQueued == 0 {
		t.Errorf("stats %+v: want all 15 served, at most 3 in flight, some queued", st)
	}
}

// A client that gives up while queued gets an error; the server, like a
// thread pool that never notices, still serves the request to the end.
func TestServiceQueueServesAbandoned(t *testing.T) {
	s, l := startService(t, ServiceSpec{ServiceTime: 150 * time.Millisecond, Capacity: 1, Overload: OverloadQueue})
	first := make(chan error, 1)
	go func() { _, err := l.Get(context.Background(), orders.OrderID(0, 1)); first <- err }()
	waitFor(t, "the first lookup in service", func() bool { return s.Stats().MaxInFlight == 1 })

	impatient := NewLookup(s.Addr(), 50*time.Millisecond)
	defer impatient.Close()
	_, err := impatient.Get(context.Background(), orders.OrderID(0, 2))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued past the client's timeout: %v, want deadline exceeded", err)
	}
	if want := "order service: lookup of order 2: context deadline exceeded"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the abandoned lookup served", func() bool { return s.Stats().NotFound == 2 })
	if st := s.Stats(); st.ClientGone != 1 || st.Abandoned != 1 || st.MaxInFlight != 1 || st.MaxQueued != 1 {
		t.Errorf("stats %+v: want the abandoned request served to nobody, one at a time", st)
	}
}

// A caller that gives up on a request that never queued (a timeout under
// a network fault) is not the overload's doing.
func TestServiceCallerGoneWithoutQueueIsNotAbandoned(t *testing.T) {
	s, _ := startService(t, ServiceSpec{ServiceTime: 150 * time.Millisecond})
	impatient := NewLookup(s.Addr(), 50*time.Millisecond)
	defer impatient.Close()
	if _, err := impatient.Get(context.Background(), orders.OrderID(0, 1)); err == nil {
		t.Fatal("a 150ms request beat a 50ms timeout")
	}
	waitFor(t, "the request served", func() bool { return s.Stats().NotFound == 1 })
	if st := s.Stats(); st.ClientGone != 1 || st.Abandoned != 0 {
		t.Errorf("stats %+v: want one caller gone, none abandoned in a queue", st)
	}
}

func TestLookupTransportError(t *testing.T) {
	s, err := StartOrderService(ServiceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	s.Close()
	l := NewLookup(addr, time.Second)
	defer l.Close()
	_, err = l.Get(context.Background(), 42)
	var le *LookupError
	if !errors.As(err, &le) || le.Order != 42 {
		t.Fatalf("closed service: %v, want a LookupError for order 42", err)
	}
	if !strings.HasPrefix(err.Error(), "order service: lookup of order 42: ") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q: want the order and the cause", err)
	}
}

func TestServiceSpecRefused(t *testing.T) {
	for _, c := range []struct {
		spec ServiceSpec
		want string
	}{
		{ServiceSpec{ServiceTime: -time.Millisecond}, "service_time: want a duration of 0 or more, got -1ms"},
		{ServiceSpec{Capacity: -1}, "capacity: want 0 (unlimited) or a positive number of requests"},
		{ServiceSpec{ReplicaLag: -time.Second}, "replica_lag: want a duration of 0 or more, got -1s"},
		{ServiceSpec{Capacity: 1, Overload: "drop"}, `overload: want reject (503 at once) or queue (wait for a slot), got "drop"`},
		{ServiceSpec{Overload: OverloadQueue}, `overload: nothing is over an unlimited capacity`},
		{ServiceSpec{ReplicaLag: time.Second, StaleReads: "empty"}, `stale_reads: want partial (the order without its dishes) or not-found, got "empty"`},
		{ServiceSpec{StaleReads: StaleNotFound}, `stale_reads: no read is stale without a replica lag`},
	} {
		s, err := StartOrderService(c.spec)
		if err == nil {
			s.Close()
			t.Errorf("%+v accepted, want %q", c.spec, c.want)
		} else if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "order service: ") {
			t.Errorf("%+v: %q, want %q", c.spec, err, c.want)
		}
	}
}

func TestWrittenAllocations(t *testing.T) {
	s, err := StartOrderService(ServiceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	for ord := uint64(1); ord <= 1000; ord++ {
		s.Written(orders.OrderID(0, ord), now)
	}
	ord := uint64(0)
	if a := testing.AllocsPerRun(1000, func() { ord = ord%1000 + 1; s.Written(orders.OrderID(0, ord), now) }); a != 0 {
		t.Errorf("Written of an existing ordinal: %v allocations, want 0", a)
	}
	// New ordinals, in order, as a producer makes them: one block per few
	// thousand. Each run (AllocsPerRun warms up with one) takes a new producer.
	const n = 100000
	producer := uint32(0)
	a := testing.AllocsPerRun(1, func() {
		producer++
		for ord := uint64(1); ord <= n; ord++ {
			s.Written(orders.OrderID(producer, ord), now)
		}
	})
	if a > n/1000 {
		t.Errorf("%d new ordinals: %v allocations, want at most %d", n, a, n/1000)
	}
	t.Logf("%d new ordinals: %v allocations", n, a)
}

func TestServiceCloseStopsServing(t *testing.T) {
	s, err := StartOrderService(ServiceSpec{ServiceTime: time.Minute, Capacity: 1, Overload: OverloadQueue})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLookup(s.Addr(), 10*time.Second)
	defer l.Close()
	errs := make(chan error, 3)
	for i := range 3 { // one in service for a minute, two queued behind it
		go func() { _, err := l.Get(context.Background(), uint64(i)); errs <- err }()
	}
	waitFor(t, "one in service, two queued", func() bool { return s.Stats().MaxQueued == 2 })
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with requests in service", d)
	}
	for range 3 {
		if err := <-errs; !errors.Is(err, ErrOverloaded) {
			t.Errorf("lookup during Close: %v, want 503", err)
		}
	}
	if st := s.Stats(); st.Overloaded != 0 {
		t.Errorf("stats %+v: a shutdown is not an overload", st)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	waitFor(t, "no goroutine serving", func() bool { return !serving() })
}

// serving reports whether a goroutine is still in the server or a handler.
func serving() bool {
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	return strings.Contains(stacks, "net/http.(*conn).serve") || strings.Contains(stacks, "net/http.(*Server).Serve") ||
		strings.Contains(stacks, "orderservice.(*OrderService)")
}

// waitFor polls cond for up to two seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Lookups one client sustains: go test -run '^$' -bench Lookup ./orderservice/
func BenchmarkLookup(b *testing.B) {
	for _, c := range []struct {
		name string
		spec ServiceSpec
	}{
		{"service-0", ServiceSpec{}},
		{"service-20ms-capacity-10-queue", ServiceSpec{ServiceTime: 20 * time.Millisecond, Capacity: 10, Overload: OverloadQueue}},
		{"service-20ms-capacity-10-reject", ServiceSpec{ServiceTime: 20 * time.Millisecond, Capacity: 10}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, l := startService(b, c.spec)
			for ord := uint64(1); ord <= 1000; ord++ {
				s.Written(orders.OrderID(0, ord), time.Time{})
			}
			b.SetParallelism(16) // 16 workers per core
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for i := uint64(0); pb.Next(); i++ {
					if _, err := l.Get(context.Background(), orders.OrderID(0, i%1000+1)); err != nil && !errors.Is(err, ErrOverloaded) {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
			st := s.Stats()
			b.ReportMetric(float64(st.Complete)/b.Elapsed().Seconds(), "served/s")
		})
	}
}
