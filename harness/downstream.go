package harness

import (
	"fmt"

	toxiproxy "github.com/Shopify/toxiproxy/v2"

	"github.com/chaosrun/chaosrun/internal/freeport"
)

// AddProxy puts a toxiproxy proxy named name in front of a service the run
// started (the order service, a database), on a free loopback port, so the
// same network faults reach it as reach the brokers. It returns the address
// clients use. Close removes it with the brokers' proxies.
func (c *Cluster) AddProxy(name, upstream string) (*toxiproxy.Proxy, string, error) {
	if _, taken := c.downstream[name]; taken || name == "" {
		return nil, "", fmt.Errorf("proxy %q: empty or taken", name)
	}
	ports, err := freeport.Pick(1)
	if err != nil {
		return nil, "", fmt.Errorf("proxy %s: %w", name, err)
	}
	listen := freeport.HostPort(ports[0])
	px := toxiproxy.NewProxy(c.srv, "downstream-"+name, listen, upstream)
	if err := c.srv.Collection.Add(px, true); err != nil {
		return nil, "", fmt.Errorf("start proxy %s on %s: %w", name, listen, err)
	}
	if c.downstream == nil {
		c.downstream = map[string]*toxiproxy.Proxy{}
	}
	c.downstream[name] = px
	return px, listen, nil
}

// DownstreamProxy returns the proxy AddProxy made for name, or nil.
func (c *Cluster) DownstreamProxy(name string) *toxiproxy.Proxy { return c.downstream[name] }

// RemoveProxy stops and forgets the proxy AddProxy made for name, so a
// later run on the same cluster may add its own.
func (c *Cluster) RemoveProxy(name string) {
	if _, ok := c.downstream[name]; !ok {
		return
	}
	c.srv.Collection.Remove("downstream-" + name)
	delete(c.downstream, name)
}
