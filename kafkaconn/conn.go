// Package kafkaconn says how chaosrun's Kafka clients reach a cluster: the
// seed brokers, the route from each broker's advertised address to the
// toxiproxy proxy in front of it, and TLS and SASL. Every client a run makes
// (producers, the kitchen display, the lag sampler, the drain, the admin)
// is built from one Conn, so a fault on a proxy reaches all of them.
package kafkaconn

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Conn is how to reach one cluster. The zero Security is PLAINTEXT.
type Conn struct {
	// Seeds are the first brokers a client asks for metadata.
	Seeds []string
	// Route maps a broker's advertised host:port to the address its proxy
	// listens on; nil dials brokers where they say they are. With a route,
	// a broker missing from it is refused, never dialed around its proxy.
	Route map[string]string
	Security
}

// DialTimeout bounds a dial and its TLS handshake, as franz-go's own dialer
// does (kgo.DialTimeout does not reach a custom dialer).
const DialTimeout = 10 * time.Second

// Local is a cluster whose brokers advertise their proxies themselves.
func Local(seeds []string) Conn { return Conn{Seeds: slices.Clone(seeds)} }

// Opts are the client options that reach the cluster.
func (c Conn) Opts() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(c.Seeds...)}
	if c.Route != nil || c.TLS != nil {
		opts = append(opts, kgo.Dialer(c.dial))
	}
	if c.SASL != nil {
		opts = append(opts, kgo.SASL(c.SASL))
	}
	return opts
}

// NewClient is a client that reaches the cluster, with extra options after
// the connection's.
func (c Conn) NewClient(extra ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(append(c.Opts(), extra...)...)
}

// dial connects to the broker at host through its proxy, if routed, and
// speaks TLS to the broker itself: toxiproxy forwards bytes, so the
// certificate is checked against the name the broker advertises.
func (c Conn) dial(ctx context.Context, network, host string) (net.Conn, error) {
	addr := host
	if c.Route != nil {
		px, ok := c.Route[host]
		if !ok {
			return nil, fmt.Errorf("broker %s is not behind a chaosrun proxy (it was not in the cluster's metadata when the run started), so it is not dialed", host)
		}
		addr = px
	}
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	d := net.Dialer{Timeout: DialTimeout}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil || c.TLS == nil {
		return conn, err
	}
	cfg := c.TLS.Clone()
	if cfg.ServerName == "" {
		if h, _, err := net.SplitHostPort(host); err == nil {
			cfg.ServerName = h
		}
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS with %s: %w", host, err)
	}
	return tc, nil
}
