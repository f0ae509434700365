package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kitchen"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/orderservice"
	"github.com/twmb/franz-go/pkg/kadm"
)

// downstream is what the kitchen display works against: its database and,
// when it looks orders up, the order service behind its own proxy; plus the
// poisoner the poison fault drives.
type downstream struct {
	db      kitchendb.KitchenDB
	stopDB  func() // stops the database server the run started, after db closes
	service *orderservice.OrderService
	lookup  *orderservice.Lookup
	poison  *load.Poisoner
	cluster *harness.Cluster // its proxies go when it closes
}

func (r *run) openDownstream(ctx context.Context, cluster *harness.Cluster, runDir string) (*downstream, error) {
	s := r.s
	db, stopDB, desc, err := r.openKitchenDB(ctx, cluster, runDir)
	if err != nil {
		return nil, err
	}
	r.res.KitchenDB = desc
	d := &downstream{db: db, stopDB: stopDB, cluster: cluster}
	if s.Consumer.Lookup != nil {
		if err := d.startService(r, cluster); err != nil {
			d.close()
			return nil, err
		}
	}
	var book load.OrderBook
	if d.service != nil {
		book = d.service
	}
	d.poison = load.NewPoisoner(s.Seed, book)
	return d, nil
}

// startService starts the order service and its proxy.
func (d *downstream) startService(r *run, cluster *harness.Cluster) error {
	spec := orderservice.ServiceSpec{}
	if svc := r.s.Service; svc != nil {
		spec = svc.Service()
	}
	svc, err := orderservice.StartOrderService(spec)
	if err != nil {
		return err
	}
	d.service = svc
	_, addr, err := cluster.AddProxy(faults.OrderService, svc.Addr())
	if err != nil {
		return fmt.Errorf("order service: %w", err)
	}
	d.lookup = orderservice.NewLookup(addr, r.s.Consumer.Lookup.Timeout)
	r.logf("order service on %s behind its proxy %s", svc.Addr(), addr)
	return nil
}

func (d *downstream) close() error {
	var errs []error
	if d.lookup != nil {
		d.lookup.Close()
	}
	if d.service != nil {
		errs = append(errs, d.service.Close())
	}
	errs = append(errs, d.db.Close())
	d.stopDB()
	// A cluster lent to several probes must not keep this run's proxies.
	d.cluster.RemoveProxy(faults.OrderService)
	d.cluster.RemoveProxy(kitchenDBProxy)
	return errors.Join(errs...)
}

// report gives the ledger and the result the order service's counters.
func (d *downstream) report(r *run, led *ledger.Ledger) {
	if d.service == nil {
		return
	}
	st := d.service.Stats()
	c := r.s.Consumer
	capacity := 0
	if r.s.Service != nil {
		capacity = r.s.Service.Capacity
	}
	callers := c.Instances * c.Workers
	if c.Policy().Parks() {
		callers++ // the retrier looks up too
	}
	led.Downstream(faults.OrderService, ledger.DownstreamStats{Requests: st.Requests, Overloaded: st.Overloaded,
		Abandoned: st.Abandoned, Capacity: int64(capacity), Callers: int64(callers)})
	r.res.OrderService = map[string]int64{
		"requests": st.Requests, "complete": st.Complete, "partial": st.Partial, "not_found": st.NotFound,
		"rejected": st.Rejected, "overloaded": st.Overloaded, "client_gone": st.ClientGone, "abandoned": st.Abandoned,
		"max_in_flight": st.MaxInFlight, "max_queued": st.MaxQueued,
	}
}

// consumeSpec is the kitchen display the scenario describes.
func (r *run) consumeSpec(id orders.Identity, d *downstream) kitchen.ConsumeSpec {
	c := r.s.Consumer
	spec := kitchen.ConsumeSpec{
		Topic: r.s.Topic.Name, Group: c.Group, Instances: c.Instances, Workers: c.Workers,
		ProcessingTime: c.ProcessingTime, Identity: id, Config: r.clients.Consumer,
		Lookup: d.lookup, OnFailure: c.Policy(), MaxAttempts: c.MaxAttempts, RetryBackoff: c.RetryBackoff,
		Batch: r.s.Sink.Batch, Java: r.java,
	}
	if c.Lookup != nil {
		spec.RetryEmpty = c.Lookup.RetryEmpty
	}
	if c.Policy().DeadLetters() {
		spec.DeadLetterTopic = c.DeadLetterTopic
	}
	if o := c.Output; o != nil {
		spec.Output = &kitchen.Output{Topic: o.Topic, Config: r.clients.Output}
	}
	return spec
}

// waitTxnCoordinators asks for the coordinator of every transactional id
// until each is known. The first ask creates the transaction state topic
// (50 partitions by default), which takes seconds: done before the load
// starts, that is not counted as the workload's latency.
func (r *run) waitTxnCoordinators(ctx context.Context, adm *kadm.Client) {
	ids := r.clients.transactionalIDs(r.s)
	if len(ids) == 0 {
		return
	}
	deadline := time.Now().Add(groupSettleTimeout)
	var last error
	for time.Now().Before(deadline) && ctx.Err() == nil {
		last = nil
		for _, resp := range adm.FindTxnCoordinators(ctx, ids...) {
			if resp.Err != nil {
				last = fmt.Errorf("%s: %w", resp.Name, resp.Err)
			}
		}
		if last == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.logf("transaction coordinators not all known after %s (%v); starting the workload anyway", groupSettleTimeout, last)
}
