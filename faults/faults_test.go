package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// fakeBrokers records broker actions; proxies are real embedded toxiproxy ones.
type fakeBrokers struct {
	mu      sync.Mutex
	actions []string
	proxies map[int32]*toxiproxy.Proxy
	fail    error
}

func (f *fakeBrokers) NodeIDs() []int32 { return []int32{1, 2, 3} }
func (f *fakeBrokers) do(a string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, a)
	return f.fail
}
func (f *fakeBrokers) Kill(_ context.Context, id int32) error   { return f.do("kill " + itoa(id)) }
func (f *fakeBrokers) Stop(_ context.Context, id int32) error   { return f.do("stop " + itoa(id)) }
func (f *fakeBrokers) Start(_ context.Context, id int32) error  { return f.do("start " + itoa(id)) }
func (f *fakeBrokers) Pause(_ context.Context, id int32) error  { return f.do("pause " + itoa(id)) }
func (f *fakeBrokers) Resume(_ context.Context, id int32) error { return f.do("resume " + itoa(id)) }
func (f *fakeBrokers) Proxy(id int32) *toxiproxy.Proxy          { return f.proxies[id] }

func itoa(id int32) string { return string(rune('0' + id)) }

func TestValidateTarget(t *testing.T) {
	zero := 0
	cases := []struct {
		fault  string
		target Target
		ok     bool
	}{
		{"broker-kill", Target{Node: 1}, true},
		{"broker-kill", Target{Leader: &TopicPartition{"orders", 0}}, true},
		{"broker-kill", Target{Follower: &TopicPartition{"orders", 3}}, true},
		{"broker-kill", Target{Random: true}, true},
		{"broker-kill", Target{All: true}, false},
		{"broker-kill", Target{}, false},
		{"broker-kill", Target{Node: 1, Random: true}, false},
		{"latency", Target{All: true}, true},
		{"latency", Target{Consumer: &zero}, false},
		{"consumer-crash", Target{Consumer: &zero}, true},
		{"consumer-crash", Target{Node: 1}, false},
	}
	for _, c := range cases {
		f, err := New(c.fault)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateTarget(f, c.target); (err == nil) != c.ok {
			t.Errorf("%s %+v: err=%v, want ok=%v", c.fault, c.target, err, c.ok)
		}
	}
	for _, bad := range []string{"orders", "orders/x", "/0", "orders/-1"} {
		if _, err := ParseTopicPartition(bad); err == nil {
			t.Errorf("%q parsed as a topic/partition", bad)
		}
	}
	if tp, err := ParseTopicPartition("a/b/7"); err != nil || tp != (TopicPartition{"a/b", 7}) {
		t.Errorf("a/b/7: %+v, %v", tp, err)
	}
	if _, err := New("broker-explode"); err == nil || !strings.Contains(err.Error(), "broker-kill") {
		t.Errorf("unknown fault type: %v", err)
	}
}

func TestValidateParameters(t *testing.T) {
	bad := []struct {
		v     Validator
		field string
	}{
		{&Latency{}, "latency"},
		{&Latency{Latency: time.Millisecond, Jitter: time.Second}, "jitter"},
		{&Latency{Latency: time.Millisecond, Stream: "sideways"}, "stream"},
		{&Bandwidth{}, "rate_kb"},
		{&Timeout{Timeout: -1}, "timeout"},
		{&ResetPeer{Timeout: time.Second, Stream: "up"}, "stream"},
		{&DBLatency{}, "latency"},
	}
	for _, c := range bad {
		if errs := c.v.Validate(); len(errs) != 1 || errs[0].Field != c.field {
			t.Errorf("%T %+v: want one problem at %s, got %v", c.v, c.v, c.field, errs)
		}
	}
	if errs := (&Latency{Latency: 100 * time.Millisecond, Jitter: 50 * time.Millisecond}).Validate(); len(errs) != 0 {
		t.Errorf("good latency refused: %v", errs)
	}
}

// Every registered fault says what it acts on and is found by its type.
func TestFaultsSayWhatTheyAre(t *testing.T) {
	for _, name := range Kinds() {
		f, _ := New(name)
		if got := TypeOf(f); got != name {
			t.Errorf("TypeOf(New(%q)) = %q", name, got)
		}
		if f.Acts() == "" {
			t.Errorf("%s acts on nothing", name)
		}
	}
	for f, want := range map[Fault]Kind{&BrokerKill{}: KindBroker, &Latency{}: KindNetwork, &DBLatency{}: KindDatabase,
		&ForeignConsumer{}: KindConsumer, &Poison{}: KindProducer} {
		if f.Acts() != want {
			t.Errorf("%T acts on %s, want %s", f, f.Acts(), want)
		}
	}
}

func TestScheduleInjectsAndHealsOnTime(t *testing.T) {
	b := &fakeBrokers{}
	env := &Env{Brokers: b, Rand: rand.New(rand.NewPCG(1, 2))}
	s := NewSchedule(env, []Planned{
		{Type: "broker-kill", Fault: &BrokerKill{}, Target: Target{Node: 2}, At: 20 * time.Millisecond, Duration: 50 * time.Millisecond},
		{Type: "broker-restart", Fault: &BrokerRestart{}, Target: Target{Node: 3}, At: 10 * time.Millisecond},
	})
	start := time.Now()
	s.Start(context.Background(), start)
	s.HealAll(context.Background())
	got := strings.Join(b.actions, ",")
	if got != "stop 3,start 3,kill 2,start 2" {
		t.Errorf("actions %s", got)
	}
	tl := s.Timeline()
	if len(tl) != 3 || tl[1].Action != "inject" || tl[2].Action != "heal" || tl[2].Target != "node 2" {
		t.Fatalf("timeline %+v", tl)
	}
	if d := tl[2].At.Sub(start); d < 70*time.Millisecond {
		t.Errorf("healed at %s, before at+duration", d)
	}
}

// watchLog is a Watcher that writes down what it hears.
type watchLog struct {
	mu    sync.Mutex
	lines []string
}

func (w *watchLog) Disturbed(what string, _ time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, "begin "+what)
	return len(w.lines) - 1
}

func (w *watchLog) DisturbanceEnded(i int, what string, _ time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, fmt.Sprintf("end %d %s", i, what))
}

// The watcher hears of each fault as its injection begins, and of its end
// (its heal, or at once for a momentary one) with what it hit.
func TestScheduleTellsTheWatcher(t *testing.T) {
	b := &fakeBrokers{}
	w := &watchLog{}
	s := NewSchedule(&Env{Brokers: b}, []Planned{
		{Type: "broker-kill", Fault: &BrokerKill{}, Target: Target{Node: 2}, At: 0, Duration: 20 * time.Millisecond},
		{Type: "broker-restart", Fault: &BrokerRestart{}, Target: Target{Node: 3}, At: 50 * time.Millisecond},
	})
	s.Watch(w)
	s.Start(context.Background(), time.Now())
	s.HealAll(context.Background())
	want := []string{"begin broker-kill", "end 0 broker-kill node 2", "begin broker-restart", "end 2 broker-restart node 3"}
	if !slices.Equal(w.lines, want) {
		t.Errorf("watcher heard %q\nwant %q", w.lines, want)
	}
}

func TestHealAllHealsWhatTheRunCutShort(t *testing.T) {
	b := &fakeBrokers{}
	s := NewSchedule(&Env{Brokers: b}, []Planned{
		{Type: "broker-pause", Fault: &BrokerPause{}, Target: Target{Node: 1}, At: 0, Duration: time.Hour},
	})
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx, time.Now())
	time.Sleep(30 * time.Millisecond)
	cancel()
	s.HealAll(context.Background())
	if got := strings.Join(b.actions, ","); got != "pause 1,resume 1" {
		t.Errorf("actions %s", got)
	}
	tl := s.Timeline()
	if !strings.Contains(tl[len(tl)-1].Target, "end of run") {
		t.Errorf("the heal must say the run ended it: %+v", tl)
	}
}

// A failed inject is on the timeline and its heal undoes only what it did.
func TestFailedInjectIsOnTheTimeline(t *testing.T) {
	b := &fakeBrokers{fail: errors.New("no such process")}
	s := NewSchedule(&Env{Brokers: b}, []Planned{
		{Type: "broker-kill", Fault: &BrokerKill{}, Target: Target{Node: 1}, Duration: time.Millisecond},
	})
	s.Start(context.Background(), time.Now())
	s.HealAll(context.Background())
	if errs := s.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "no such process") {
		t.Errorf("errors %v", errs)
	}
	if got := strings.Join(b.actions, ","); got != "kill 1" {
		t.Errorf("actions %s: nothing was killed, so nothing may be started", got)
	}
}

// Network faults act on real embedded toxiproxy proxies: a latency toxic
// delays a round trip through the proxy, and heal removes it.
func TestLatencyToxicDelaysTrafficUntilHealed(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 1)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					c.Write(buf)
				}
			}()
		}
	}()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "node-1", "127.0.0.1:0", echo.Addr().String())
	if err := srv.Collection.Add(p, true); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	b := &fakeBrokers{proxies: map[int32]*toxiproxy.Proxy{1: p}}
	env := &Env{Brokers: b}
	f, _ := New("latency")
	f.(*Latency).Latency = 150 * time.Millisecond
	if _, err := f.Inject(context.Background(), env, Target{Node: 1}); err != nil {
		t.Fatal(err)
	}
	if rtt := roundTrip(t, p.Listen); rtt < 140*time.Millisecond {
		t.Errorf("round trip %s under a 150ms latency toxic", rtt)
	}
	if err := f.Heal(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if n := len(p.Toxics.GetToxicArray()); n != 0 {
		t.Errorf("%d toxics left after heal", n)
	}
}

func roundTrip(t *testing.T, addr string) time.Duration {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.Write([]byte{1})
	buf := make([]byte, 1)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(buf); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// Stopping the schedule stops waiting, not an action under way.
func TestStoppingTheScheduleDoesNotCutAnActionShort(t *testing.T) {
	b := &slowBrokers{fakeBrokers: &fakeBrokers{}, startTakes: 100 * time.Millisecond}
	s := NewSchedule(&Env{Brokers: b}, []Planned{
		{Type: "broker-kill", Fault: &BrokerKill{}, Target: Target{Node: 1}, Duration: 10 * time.Millisecond},
	})
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx, time.Now())
	time.Sleep(50 * time.Millisecond) // the heal (start) is under way
	cancel()
	s.HealAll(context.Background())
	if errs := s.Errors(); len(errs) != 0 {
		t.Errorf("the heal was cut short: %v", errs)
	}
}

// slowBrokers takes a while to start a node and honours ctx while it waits.
type slowBrokers struct {
	*fakeBrokers
	startTakes time.Duration
}

func (f *slowBrokers) Start(ctx context.Context, id int32) error {
	select {
	case <-time.After(f.startTakes):
		return f.do("start " + itoa(id))
	case <-ctx.Done():
		return ctx.Err()
	}
}
