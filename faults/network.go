package faults

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// networkFault marks the faults that act on a broker's client proxy, so they
// accept every broker and "all" as a target.
type networkFault interface {
	Fault
	network()
}

// toxics is a network fault's state: the toxics it added to every targeted
// proxy, removed on heal, and the stream it takes when none is written.
type toxics struct {
	def   string
	added []added
}

type added struct {
	proxy *toxiproxy.Proxy
	name  string
}

func (toxics) network() {}

// networkTargets are where a proxy sits: in front of brokers, or of a
// service the run started.
var networkTargets = []string{"node", "leader", "follower", "random", "all", "service"}

func (toxics) targets() []string { return networkTargets }

func (toxics) Acts() Kind { return KindNetwork }

func validateStream(stream string) problem.List {
	switch stream {
	case "", "downstream", "upstream", "both":
		return nil
	}
	return problem.List{{Field: "stream", Msg: "want downstream, upstream or both"}}
}

func streams(stream string) []string {
	if stream == "both" {
		return []string{"upstream", "downstream"}
	}
	return []string{stream}
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

// add adds a toxic of kind on stream ("": the fault's default) to t's proxies.
func (o *toxics) add(ctx context.Context, env *Env, t Target, kind, stream string, attrs map[string]any) (string, error) {
	stream = cmp.Or(stream, o.def)
	names, proxies, err := proxiesOf(ctx, env, t)
	if err != nil {
		return "", err
	}
	for i, p := range proxies {
		for _, stream := range streams(stream) {
			name := "chaosrun-" + kind + "-" + stream
			body, _ := json.Marshal(map[string]any{"name": name, "type": kind, "stream": stream, "toxicity": 1.0, "attributes": attrs})
			if _, err := p.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
				return strings.Join(names, ", "), fmt.Errorf("add %s toxic to %s: %w", kind, names[i], err)
			}
			o.added = append(o.added, added{p, name})
		}
	}
	return fmt.Sprintf("%s (%s)", strings.Join(names, ", "), stream), nil
}

func (o *toxics) Heal(ctx context.Context, _ *Env) error {
	var errs []error
	for _, a := range o.added {
		errs = append(errs, a.proxy.Toxics.RemoveToxic(ctx, a.name))
	}
	o.added = nil
	return errors.Join(errs...)
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// Latency (latency) delays data by Latency ± Jitter.
type Latency struct {
	Stream  string        `yaml:"stream"` // downstream (broker→client, the default), upstream or both
	Latency time.Duration `yaml:"latency"`
	Jitter  time.Duration `yaml:"jitter"`
	toxics
}

func (f *Latency) Validate() problem.List {
	errs := validateStream(f.Stream)
	if f.Latency <= 0 {
		errs.Add("latency", "must be positive, e.g. 100ms")
	}
	if f.Jitter < 0 || f.Jitter > f.Latency {
		errs.Add("jitter", "must be between 0 and latency")
	}
	return errs
}

func (f *Latency) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.add(ctx, env, t, "latency", f.Stream, map[string]any{"latency": ms(f.Latency), "jitter": ms(f.Jitter)})
}

// Bandwidth (bandwidth) caps throughput at Rate KB/s.
type Bandwidth struct {
	Stream string `yaml:"stream"` // downstream (the default), upstream or both
	Rate   int64  `yaml:"rate_kb"`
	toxics
}

func (f *Bandwidth) Validate() problem.List {
	errs := validateStream(f.Stream)
	if f.Rate <= 0 {
		errs.Add("rate_kb", "must be a positive number of KB/s")
	}
	return errs
}

func (f *Bandwidth) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.add(ctx, env, t, "bandwidth", f.Stream, map[string]any{"rate": f.Rate})
}

// Timeout (timeout) swallows data and closes the connection after Timeout
// (0: never).
type Timeout struct {
	Stream  string        `yaml:"stream"` // both (the default), downstream or upstream
	Timeout time.Duration `yaml:"timeout"`
	toxics
}

func (f *Timeout) Validate() problem.List { return validateTimed(f.Stream, f.Timeout) }

func (f *Timeout) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return f.inject(ctx, env, t, "timeout")
}

func (f *Timeout) inject(ctx context.Context, env *Env, t Target, kind string) (string, error) {
	return f.add(ctx, env, t, kind, f.Stream, map[string]any{"timeout": ms(f.Timeout)})
}

// ResetPeer (reset-peer) resets connections (TCP RST) after Timeout: the
// same parameters as Timeout, another toxic.
type ResetPeer Timeout

func (f *ResetPeer) Validate() problem.List { return (*Timeout)(f).Validate() }

func (f *ResetPeer) Inject(ctx context.Context, env *Env, t Target) (string, error) {
	return (*Timeout)(f).inject(ctx, env, t, "reset_peer")
}

func validateTimed(stream string, timeout time.Duration) problem.List {
	errs := validateStream(stream)
	if timeout < 0 {
		errs.Add("timeout", "must not be negative")
	}
	return errs
}

// ProxyDown (proxy-down) disables the proxy: open connections close, new
// ones are refused.
type ProxyDown struct {
	proxies []*toxiproxy.Proxy
}

func (ProxyDown) network() {}

func (ProxyDown) targets() []string { return networkTargets }

func (ProxyDown) Acts() Kind { return KindNetwork }

func (f *ProxyDown) Inject(ctx context.Context, env *Env, t Target) (string, error) {
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

func (f *ProxyDown) Heal(context.Context, *Env) error {
	var errs []error
	for _, p := range f.proxies {
		if err := p.Start(); err != nil && !errors.Is(err, toxiproxy.ErrProxyAlreadyStarted) {
			errs = append(errs, err)
		}
	}
	f.proxies = nil
	return errors.Join(errs...)
}

var _ = []networkFault{(*Latency)(nil), (*Bandwidth)(nil), (*Timeout)(nil), (*ResetPeer)(nil), (*ProxyDown)(nil)}
