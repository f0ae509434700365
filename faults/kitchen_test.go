package faults

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// fakeGroup records what consumer faults ask of the group.
type fakeGroup struct {
	mu    sync.Mutex
	calls []string
}

func (g *fakeGroup) add(s string) { g.mu.Lock(); g.calls = append(g.calls, s); g.mu.Unlock() }
func (g *fakeGroup) Crash(_ context.Context, i int, late bool) error {
	g.add(fmt.Sprintf("crash %d late=%v", i, late))
	return nil
}
func (g *fakeGroup) StopMember(i int) error { g.add(fmt.Sprint("stop ", i)); return nil }
func (g *fakeGroup) Restart(i int) error    { g.add(fmt.Sprint("restart ", i)); return nil }
func (g *fakeGroup) Members() int           { return 3 }
func (g *fakeGroup) Scale(n int) error      { g.add(fmt.Sprint("scale ", n)); return nil }
func (g *fakeGroup) Slow(d time.Duration)   { g.add(fmt.Sprint("slow ", d)) }

type fakePoison struct{ calls []string }

func (p *fakePoison) Poison(kind string, n int, f float64) error {
	p.calls = append(p.calls, fmt.Sprintf("%s %d %g", kind, n, f))
	return nil
}
func (p *fakePoison) StopPoison() { p.calls = append(p.calls, "stop") }

type downstreamOf map[string]*toxiproxy.Proxy

func (d downstreamOf) DownstreamProxy(name string) *toxiproxy.Proxy { return d[name] }

func TestConsumerFaults(t *testing.T) {
	g := &fakeGroup{}
	env := &Env{Consumers: g}
	ctx := context.Background()
	one := 1
	stop, _ := New("consumer-stop")
	if hit, err := stop.Inject(ctx, env, Target{All: true}); err != nil || hit != "consumer 0, consumer 1, consumer 2" {
		t.Fatalf("stop all: %q, %v", hit, err)
	}
	stop.Heal(ctx, env)
	crash, _ := New("consumer-crash")
	crash.(*ConsumerCrash).When = "processed"
	crash.Inject(ctx, env, Target{Consumer: &one})
	crash.Heal(ctx, env)
	slices.Sort(g.calls[:3]) // the members stop at once
	want := []string{"stop 0", "stop 1", "stop 2", "restart 0", "restart 1", "restart 2", "crash 1 late=true", "restart 1"}
	if !slices.Equal(g.calls, want) {
		t.Errorf("calls %q\nwant  %q", g.calls, want)
	}
	if err := ValidateTarget(stop, Target{Node: 1}); err == nil {
		t.Error("consumer-stop took a broker target")
	}
}

func TestGroupShapeFaults(t *testing.T) {
	g := &fakeGroup{}
	env := &Env{Consumers: g}
	ctx := context.Background()
	roll := &ConsumerRollingRestart{Down: time.Millisecond, Between: time.Millisecond}
	if hit, err := roll.Inject(ctx, env, Target{}); err != nil || hit != "consumers 0-2 in turn" {
		t.Fatalf("rolling restart: %q, %v", hit, err)
	}
	slow := &ConsumerSlow{ProcessingTime: 50 * time.Millisecond}
	slow.Inject(ctx, env, Target{})
	slow.Heal(ctx, env)
	scale := &ConsumerScale{Members: 5}
	if hit, _ := scale.Inject(ctx, env, Target{}); hit != "3 → 5 members" {
		t.Errorf("scale: %q", hit)
	}
	scale.Heal(ctx, env)
	want := []string{"stop 0", "restart 0", "stop 1", "restart 1", "stop 2", "restart 2", "slow 50ms", "slow 0s", "scale 5", "scale 3"}
	if !slices.Equal(g.calls, want) {
		t.Errorf("calls %q\nwant  %q", g.calls, want)
	}
	for bad, field := range map[Validator]string{&ConsumerSlow{}: "processing_time", &ConsumerScale{}: "members",
		&ConsumerScale{Members: 40}: "members", &ConsumerRollingRestart{Between: time.Second}: "down",
		&ForeignConsumer{Env: "Pre Prod"}: "env", &ForeignConsumer{}: "env", &ConsumerCrash{When: "later"}: "when"} {
		if errs := bad.Validate(); len(errs) != 1 || errs[0].Field != field {
			t.Errorf("%T %+v: want one problem at %s, got %v", bad, bad, field, errs)
		}
	}
	if !IsMomentary(roll) || IsMomentary(slow) {
		t.Error("a rolling restart is done when injected; a slowdown lasts")
	}
}

func TestPoisonFault(t *testing.T) {
	for bad, field := range map[*Poison]string{{}: "count", {Count: 1, Fraction: 0.5}: "count", {Fraction: 1.5}: "fraction", {Count: 1, Kind: "spicy"}: "kind"} {
		if errs := bad.Validate(); len(errs) != 1 || errs[0].Field != field {
			t.Errorf("%+v: want one problem at %s, got %v", bad, field, errs)
		}
	}
	p := &fakePoison{}
	env := &Env{Producers: p}
	ctx := context.Background()
	n := &Poison{Count: 3}
	m := &Poison{Fraction: 0.25, Kind: PoisonRejected}
	if !IsMomentary(n) || IsMomentary(m) || !m.NeedsOrderService() || n.NeedsOrderService() {
		t.Error("count poison is momentary, fraction poison lasts; only rejected needs the order service")
	}
	if hit, err := n.Inject(ctx, env, Target{}); err != nil || hit != "next 3 records (undecodable)" {
		t.Errorf("inject: %q, %v", hit, err)
	}
	m.Inject(ctx, env, Target{})
	m.Heal(ctx, env)
	if want := []string{"undecodable 3 0", "rejected 0 0.25", "stop"}; !slices.Equal(p.calls, want) {
		t.Errorf("calls %q, want %q", p.calls, want)
	}
	if err := ValidateTarget(n, Target{Node: 1}); err == nil {
		t.Error("poison took a target")
	}
}

// Network faults reach a service's proxy by name, as they reach brokers'.
func TestNetworkFaultOnTheOrderService(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "downstream-order-service", "127.0.0.1:0", ln.Addr().String())
	if err := srv.Collection.Add(p, true); err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	env := &Env{Downstream: downstreamOf{OrderService: p}}
	down, _ := New("proxy-down")
	hit, err := down.Inject(context.Background(), env, Target{Service: OrderService})
	if err != nil || hit != OrderService {
		t.Fatalf("inject: %q, %v", hit, err)
	}
	if c, err := net.DialTimeout("tcp", p.Listen, time.Second); err == nil {
		c.Close()
		t.Error("the service's proxy still accepts connections while down")
	}
	down.Heal(context.Background(), env)
	if _, err := New("latency"); err != nil {
		t.Fatal(err)
	}
	if _, err := down.Inject(context.Background(), &Env{}, Target{Service: OrderService}); err == nil {
		t.Error("a service fault without the service succeeded")
	}
}

type fakeDeployments struct{ started, stopped []string }

func (d *fakeDeployments) StartForeign(env, topic, group string, guard bool) (func(), error) {
	d.started = append(d.started, fmt.Sprintf("%s %s %s %v", env, topic, group, guard))
	return func() { d.stopped = append(d.stopped, env) }, nil
}

func TestForeignConsumerFault(t *testing.T) {
	d := &fakeDeployments{}
	f, _ := New("foreign-consumer")
	fc := f.(*ForeignConsumer)
	fc.Guard = true
	if hit, err := f.Inject(context.Background(), &Env{Deployments: d}, Target{}); err != nil || hit != "a consumer of env pre, with its header guard" {
		t.Fatalf("inject: %q, %v", hit, err)
	}
	f.Heal(context.Background(), &Env{Deployments: d})
	if !slices.Equal(d.started, []string{"pre   true"}) || !slices.Equal(d.stopped, []string{"pre"}) {
		t.Errorf("started %q, stopped %q", d.started, d.stopped)
	}
	if _, err := f.Inject(context.Background(), &Env{}, Target{}); err == nil {
		t.Error("injected with nothing to deploy on")
	}
}
