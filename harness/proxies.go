package harness

import (
	"fmt"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// proxyName is the toxiproxy name of node id's proxy.
func proxyName(id int32) string { return fmt.Sprintf("node-%d", id) }

// newProxyServer is an in-process toxiproxy without its HTTP API.
func newProxyServer() *toxiproxy.ApiServer {
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
}

// startProxies adds and starts one proxy per plan, listening on
// listen[id] and forwarding to the plan's upstream.
func startProxies(srv *toxiproxy.ApiServer, plans []NodePlan, listen map[int32]string) (map[int32]*toxiproxy.Proxy, error) {
	proxies := map[int32]*toxiproxy.Proxy{}
	for _, p := range plans {
		px := toxiproxy.NewProxy(srv, proxyName(p.ID), listen[p.ID], p.Upstream)
		if err := srv.Collection.Add(px, true); err != nil {
			return proxies, fmt.Errorf("start proxy %s on %s: %w", px.Name, listen[p.ID], err)
		}
		proxies[p.ID] = px
	}
	return proxies, nil
}

// proxyEnabled reads a proxy's Enabled flag under its lock.
func proxyEnabled(p *toxiproxy.Proxy) bool {
	p.Lock()
	defer p.Unlock()
	return p.Enabled
}
