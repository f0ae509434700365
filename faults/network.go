package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
)

// networkFault marks the faults that act on a broker's client proxy, so they
// accept every broker and "all" as a target.
type networkFault interface {
	Fault
	network()
}

// toxicOp adds one toxiproxy toxic to every targeted proxy and removes it on heal.
type toxicOp struct {
	Stream    string `yaml:"stream"` // downstream (broker→client), upstream, or both; "" takes defStream
	defStream string
	added     []added
}

type added struct {
	proxy *toxiproxy.Proxy
	name  string
}

func (toxicOp) network() {}

// networkTargets are where a proxy sits: in front of brokers, or of a
// service the run started.
var networkTargets = []string{"node", "leader", "follower", "random", "all", "service"}

func (toxicOp) targets() []string { return networkTargets }

func (o *toxicOp) validateStream() []FieldError {
	switch o.Stream {
	case "", "downstream", "upstream", "both":
		return nil
	}
	return []FieldError{{"stream", "want downstream, upstream or both"}}
}

// stream is the direction in effect: the one asked for, else the fault's default.
func (o *toxicOp) stream() string {
	if o.Stream == "" {
		return o.defStream
	}
	return o.Stream
}

func (o *toxicOp) streams() []string {
	if o.stream() == "both" {
		return []string{"upstream", "downstream"}
	}
	return []string{o.stream()}
}

// proxiesOf resolves t to its brokers' client proxies, or the service's,
// each with its name for the timeline.
func proxiesOf(ctx context.Context, env *Env, t Target) ([]string, []*toxiproxy.Proxy, error) {
	if t.Service != "" {
		var p *toxiproxy.Proxy
		if env.Downstream != nil {
			p = env.Downstream.DownstreamProxy(t.Service)
		}
		if p == nil {
			return nil, nil, fmt.Errorf("no %s runs in this scenario", t.Service)
		}
		return []string{t.Service}, []*toxiproxy.Proxy{p}, nil
	}
	ids, err := t.brokers(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(ids))
	proxies := make([]*toxiproxy.Proxy, len(ids))
	for i, id := range ids {
		names[i] = describe([]int32{id})
		if proxies[i] = env.Brokers.Proxy(id); proxies[i] == nil {
			return nil, nil, fmt.Errorf("node %d has no proxy", id)
		}
	}
	return names, proxies, nil
}

func (o *toxicOp) add(ctx context.Context, env *Env, t Target, kind string, attrs map[string]any) (string, error) {
	names, proxies, err := proxiesOf(ctx, env, t)
	if err != nil {
		return "", err
	}
	for i, p := range proxies {
		for _, stream := range o.streams() {
			name := "chaosrun-" + kind + "-" + stream
			body, _ := json.Marshal(map[string]any{"name": name, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attrs})
			if _, err := p.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
				return strings.Join(names, ", "), fmt.Errorf("add %s toxic to %s: %w", kind, names[i], err)
			}
			o.added = append(o.added, added{p, name})
		}
	}
	return fmt.Sprintf("%s (%s)", strings.Join(names, ", "), o.stream()), nil
}

func (o *toxicOp) remove(ctx context.Context) error {
	var errs []error
	for _, a := range o.added {
		errs = append(errs, a.proxy.Toxics.RemoveToxic(ctx, a.name))
	}
	o.added = nil
	return errors.Join(errs...)
}

func (o *toxicOp) Heal(ctx context.Context, _ *Env) error { return o.remove(ctx) }

func ms(d time.Duration) int64 { return d.Milliseconds() }

// latency delays data by latency ± jitter.
type latency struct {
	toxicOp `yaml:",inline"`
	Latency time.Duration `yaml:"latency"`
	Jitter  time.Duration `yaml:"jitter"`
}

func (f *latency) Validate() []FieldError {
	errs := f.validateStream()
	if f.Latency <= 0 {
		errs = append(errs, FieldError{"latency", "must be positive, e.g. 100ms"})
	}
	if f.Jitter < 0 || f.Jitter > f.Latency {
		errs = append(errs, FieldError{"jitter", "must be between 0 and latency"})
	}
	return errs
}

func (f *latency) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.add(ctx, env, t, "latency", map[string]any{"latency": ms(f.Latency), "jitter": ms(f.Jitter)})
}

// bandwidth caps throughput at rate KB/s.
type bandwidth struct {
	toxicOp `yaml:",inline"`
	Rate    int64 `yaml:"rate_kb"`
}

func (f *bandwidth) Validate() []FieldError {
	errs := f.validateStream()
	if f.Rate <= 0 {
		errs = append(errs, FieldError{"rate_kb", "must be a positive number of KB/s"})
	}
	return errs
}

func (f *bandwidth) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.add(ctx, env, t, "bandwidth", map[string]any{"rate": f.Rate})
}

// timedToxic is a toxic whose one parameter is a timeout: "timeout"
// swallows data and closes the connection after Timeout (0: never);
// "reset_peer" resets connections (TCP RST) after Timeout.
type timedToxic struct {
	toxicOp `yaml:",inline"`
	Timeout time.Duration `yaml:"timeout"`
	kind    string
}

func (f *timedToxic) Validate() []FieldError {
	errs := f.validateStream()
	if f.Timeout < 0 {
		errs = append(errs, FieldError{"timeout", "must not be negative"})
	}
	return errs
}

func (f *timedToxic) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.add(ctx, env, t, f.kind, map[string]any{"timeout": ms(f.Timeout)})
}

// proxyDown disables the proxy: open connections close, new ones are refused.
type proxyDown struct {
	proxies []*toxiproxy.Proxy
}

func (proxyDown) network() {}

func (proxyDown) targets() []string { return networkTargets }

func (f *proxyDown) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	names, proxies, err := proxiesOf(ctx, env, t)
	if err != nil {
		return "", err
	}
	for _, p := range proxies {
		p.Stop()
		f.proxies = append(f.proxies, p)
	}
	return strings.Join(names, ", "), nil
}

func (f *proxyDown) Heal(context.Context, *Env) error {
	var errs []error
	for _, p := range f.proxies {
		if err := p.Start(); err != nil && !errors.Is(err, toxiproxy.ErrProxyAlreadyStarted) {
			errs = append(errs, err)
		}
	}
	f.proxies = nil
	return errors.Join(errs...)
}

var (
	_ networkFault = (*latency)(nil)
	_ networkFault = (*bandwidth)(nil)
	_ networkFault = (*timedToxic)(nil)
	_ networkFault = (*proxyDown)(nil)
	_ Validator    = (*latency)(nil)
)
