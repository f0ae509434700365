package runner

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kitchendb"
)

// kitchenDBProxy names the proxy in front of a database server, the target
// of network faults with target: {service: kitchen-db}.
const kitchenDBProxy = faults.KitchenDB

// openKitchenDB opens the run's kitchen database. A server database is
// reached through its own proxy: a server its kind starts for the run, or
// the scenario's by URL (then in a schema of the run's, dropped at the end).
// stop closes what it started; desc says which it was, for the summary.
func (r *run) openKitchenDB(ctx context.Context, cluster *harness.Cluster, runDir string) (db kitchendb.KitchenDB, stop func(), desc string, err error) {
	s := r.s
	kind, _ := kitchendb.LookupSink(s.Sink.Type) // validated by spec
	o := kitchendb.SinkOptions{Mode: s.Sink.Mode}
	if kind.Server == nil {
		db, err = kind.Open(ctx, runDir, o)
		if err != nil {
			return nil, nil, "", fmt.Errorf("kitchen database %s: %w", kind.Name, err)
		}
		return db, func() {}, kind.Name + " (embedded)", nil
	}
	var started kitchendb.Started
	target := s.Sink.URL
	if target == "" {
		started, err = kind.Server.Start(ctx, runDir, r.id, r.logf)
		if err != nil {
			return nil, nil, "", fmt.Errorf("kitchen database %s: %w", kind.Name, err)
		}
		target = started.URL
		desc = fmt.Sprintf("%s, a server started for the run on 127.0.0.1:%d", kind.Name, started.Port)
	}
	stop = func() {
		if started.Stop != nil {
			started.Stop()
		}
	}
	u, err := url.Parse(target)
	if err != nil {
		stop()
		return nil, nil, "", fmt.Errorf("kitchen database url: not a URL")
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream = net.JoinHostPort(u.Hostname(), kind.Server.Port)
	}
	if desc == "" {
		desc = fmt.Sprintf("%s at %s (schema %s, dropped at the end)", kind.Name, upstream, schemaOf(r.id))
	}
	_, addr, err := cluster.AddProxy(kitchenDBProxy, upstream)
	if err != nil {
		stop()
		return nil, nil, "", fmt.Errorf("kitchen database proxy: %w", err)
	}
	// Every connection goes to the proxy; the URL keeps its host for TLS.
	o.URL, o.Dial, o.Schema, o.Conns, o.Drop = target, addr, schemaOf(r.id), s.Consumer.Instances*s.Consumer.Workers+2, started.Stop == nil
	db, err = kind.Open(ctx, runDir, o)
	if err != nil {
		stop()
		return nil, nil, "", fmt.Errorf("kitchen database %s: %w", kind.Name, err)
	}
	r.logf("kitchen database: %s, behind its proxy %s", desc, addr)
	return db, stop, desc, nil
}

// schemaOf is the run's schema name in a database server.
func schemaOf(runID string) string {
	return "chaosrun_" + strings.NewReplacer("-", "_").Replace(strings.ToLower(runID))
}
