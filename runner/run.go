package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/drain"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/kitchen"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/spec"
)

// Options are how to run, as opposed to what (the scenario).
type Options struct {
	Runtime string // runtimes.Choices(): auto (default) or a registered runtime
	Image   string // docker image of Kafka; default DefaultImage()
	OutDir  string // result.json and .hgrm files go here; empty: nowhere
	Logf    func(string, ...any)
	// Progress, when set, hears of the run every second while the workload
	// runs and the group settles (progress lines, live metrics).
	Progress func(Progress)
	// ProgressLatency adds the latency histograms so far to each Progress.
	ProgressLatency bool
	// External runs on an existing cluster instead of starting one (it
	// wins over the scenario's cluster.external).
	External *spec.External
	// Keep leaves the topics and groups a run created on an external
	// cluster, for inspection, instead of deleting them.
	Keep bool
	// ExportLedger, when set, is a file the run writes its ledger to: every
	// acked record's partition and offset, the failed, unknown and
	// processed sets (ledger.Export, JSON).
	ExportLedger string
}

// HarnessError is a failure of the harness or its infrastructure, as opposed
// to a verdict about Kafka: the run proves nothing either way.
type HarnessError struct{ Err error }

func (e *HarnessError) Error() string { return "harness: " + e.Err.Error() }
func (e *HarnessError) Unwrap() error { return e.Err }

// Run runs one scenario end to end and returns its result. Bad input comes
// back as *spec.Errors, infrastructure trouble as *HarnessError (with a
// result that says so); a run whose assertions fail is not an error.
func Run(ctx context.Context, s *spec.Scenario, opts Options) (*result.Result, error) {
	r, err := newRun(s, opts)
	if err != nil {
		return nil, err
	}
	err = r.execute(ctx)
	return r.finish(err)
}

// newRun checks and completes the options; a bad runtime choice is bad input.
func newRun(s *spec.Scenario, opts Options) (*run, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Runtime == "" {
		opts.Runtime = runtimes.Auto
	}
	id := harness.NewRunID()
	ext := externalOf(s, opts)
	switch {
	case ext == nil && opts.Runtime == RuntimeExternal:
		return nil, &spec.Errors{List: []*spec.Error{{Field: "--runtime", Msg: errNotExternal.Error()}}}
	case ext == nil && opts.Keep:
		return nil, &spec.Errors{List: []*spec.Error{{Field: "--keep", Msg: "applies to an external cluster (--cluster, --bootstrap or cluster.external)"}}}
	case ext != nil && opts.Runtime != runtimes.Auto && opts.Runtime != RuntimeExternal:
		return nil, &spec.Errors{List: []*spec.Error{{Field: "--runtime",
			Msg: fmt.Sprintf("%q: the scenario runs on an external cluster, which no runtime starts", opts.Runtime)}}}
	case ext != nil && s.Workload.Java():
		return nil, s.ErrorAt("workload.client", "the Java client runs against clusters chaosrun starts: it cannot be routed through the proxies of an external cluster")
	case ext != nil:
		if err := ext.Validate(); err != nil {
			return nil, err
		}
		if err := UnfitExternal(s, ext); err != nil {
			return nil, err
		}
		s = onExternal(s, ext.Prefix, id)
		opts.Runtime = RuntimeExternal
	}
	if opts.Runtime != RuntimeExternal && !runtimes.ValidChoice(opts.Runtime) {
		return nil, &spec.Errors{List: []*spec.Error{{Field: "--runtime",
			Msg: fmt.Sprintf("%q: want %s", opts.Runtime, runtimes.ChoicesText())}}}
	}
	clients, err := CompileClients(s)
	if err != nil {
		return nil, err
	}
	named := opts.Image != "" || os.Getenv("CHAOSRUN_IMAGE") != ""
	if opts.Image == "" {
		opts.Image = DefaultImage()
	}
	r := &run{s: s, opts: opts, logf: opts.Logf, id: id, image: opts.Image, imageNamed: named, ext: ext, clients: clients}
	r.res = r.baseResult()
	return r, nil
}

// finish judges and writes the run, whatever err it ended with.
func (r *run) finish(err error) (*result.Result, error) {
	if r.res.StartedAt.IsZero() {
		r.res.StartedAt = time.Now()
	}
	if r.res.EndedAt.IsZero() {
		r.res.EndedAt = time.Now()
	}
	var bad *spec.Errors
	if errors.As(err, &bad) {
		return nil, err
	}
	if err != nil {
		err = &HarnessError{Err: err}
		r.res.Error = err.Error()
	}
	r.res.Judge()
	if werr := r.write(); werr != nil && err == nil {
		// The run's record is incomplete: it proves nothing, and every
		// report of it must say so.
		err = &HarnessError{Err: fmt.Errorf("write the results: %w", werr)}
		r.res.Error = err.Error()
		r.res.Judge()
	}
	return r.res, err
}

// run holds one run's moving parts, torn down in reverse order.
type run struct {
	s     *spec.Scenario
	opts  Options
	logf  func(string, ...any)
	id    string
	image string
	// imageNamed: the user chose the image, so auto must not swap it.
	imageNamed bool
	res        *result.Result
	sinkWrites kitchen.SinkWrites     // what the kitchen's database writes cost
	probe      *probeState            // a capacity probe's early stop; nil for a run
	ext        *spec.External         // the cluster attached to; nil when one is started
	extSec     kafkaconn.Security     // ext's client security, resolved when attaching
	java       *clientconf.JavaClient // the Java workload client; nil: franz-go
	clients    Clients                // the scenario's client settings, compiled for this run
}

func (r *run) execute(ctx context.Context) error {
	if r.s.Workload.Java() {
		if err := r.prepareJava(ctx); err != nil {
			return err
		}
	}
	cluster, runDir, err := r.startCluster(ctx)
	if err != nil {
		return err
	}
	defer r.closeCluster(cluster)
	defer r.recordHooks(cluster)
	return r.withCluster(ctx, cluster, runDir)
}

// startCluster starts the scenario's cluster on the runtime the options
// choose, and records which in the result.
func (r *run) startCluster(ctx context.Context) (*harness.Cluster, string, error) {
	// Before anything starts: a kitchen database server the run cannot start.
	kind, _ := kitchendb.LookupSink(r.s.Sink.Type)
	if err := kind.CannotStart(r.s.Sink.URL); err != nil {
		return nil, "", fmt.Errorf("kitchen database %s: %w", kind.Name, err)
	}
	if r.ext != nil {
		return r.attach(ctx)
	}
	c, err := chooseRuntime(ctx, r.s, r.opts.Runtime, r.image, r.imageNamed)
	if err != nil {
		return nil, "", err
	}
	r.image = c.image
	r.res.Runtime, r.res.RuntimeReason = c.kind.Name, c.why
	r.logf("runtime %s (%s)", c.kind.Name, c.why)
	// Each runtime removes dead runs' leftovers as it starts.
	rt, err := c.kind.New(ctx, runtimes.Options(harness.RuntimeOptions{RunID: r.id, Image: r.image, Logf: r.logf}))
	if err != nil {
		return nil, "", fmt.Errorf("%s runtime: %w", c.kind.Name, err)
	}
	cluster, err := harness.Start(ctx, rt, harness.Config{
		Nodes: r.s.Cluster.Nodes, Controllers: r.s.Cluster.Controllers,
		BrokerConfig: r.s.Cluster.Broker.Map(), Features: r.s.Cluster.Features, Logf: r.logf,
	})
	if err != nil {
		return nil, "", err
	}
	r.recordCluster(cluster)
	return cluster, rt.RunDir(), nil
}

func (r *run) closeCluster(c *harness.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		r.logf("teardown: %v", err)
	}
}

func (r *run) withCluster(ctx context.Context, cluster *harness.Cluster, runDir string) error {
	admCl, err := cluster.Conn().NewClient()
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	if r.ext != nil {
		topics, groups := runNames(r.s)
		if err := claimNames(ctx, adm, topics, groups); err != nil {
			return stage("external cluster", err)
		}
		r.res.Cluster.External = externalResult(r.ext, r.extSec, topics, groups)
		defer func() {
			if r.opts.Keep {
				r.res.Cluster.External.Kept = true
				r.logf("kept on the external cluster: topics %v, groups %v", topics, groups)
				return
			}
			r.res.Cluster.External.Leftovers = append(brokersNotRunning(cluster), releaseNames(adm, topics, groups)...)
		}()
	} else if err := checkBrokerConfig(ctx, r.s, adm); err != nil {
		return stage("broker config", err)
	}
	if err := r.attachJava(cluster.Conn().Seeds, runDir); err != nil {
		return stage("java client", err)
	}
	if err := createTopic(ctx, r.s, admCl); err != nil {
		return stage("topic", err)
	}
	if r.s.Consumer.Policy().DeadLetters() {
		if err := createDeadLetterTopic(ctx, r.s, admCl); err != nil {
			return stage("dead-letter topic", err)
		}
	}
	if r.s.Consumer.Output != nil {
		if err := createOutputTopic(ctx, r.s, admCl); err != nil {
			return stage("output topic", err)
		}
	}
	down, err := r.openDownstream(ctx, cluster, runDir)
	if err != nil {
		return err
	}
	defer func() {
		if err := down.close(); err != nil {
			r.logf("downstream: %v", err)
		}
	}()
	return r.drive(ctx, cluster, adm, down)
}

// stage names the run stage an error comes from; bad input keeps its own
// form (file:line: field: message).
func stage(name string, err error) error {
	var bad *spec.Errors
	if err == nil || errors.As(err, &bad) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// drive runs the workload with its faults, then settles, drains and judges.
func (r *run) drive(ctx context.Context, cluster *harness.Cluster, adm *kadm.Client, down *downstream) error {
	s := r.s
	r.res.Producer, r.res.Consumer = r.clients.Producer.Resolved, r.clients.Consumer.Resolved
	if r.java == nil {
		r.res.Workload.ClientNotes = slices.Concat(r.clients.Producer.Notes, r.clients.Consumer.Notes)
	}
	id := orders.Identity{Run: r.id, Env: s.Env}
	conn := cluster.Conn()

	led := assertions.NewLedger(r.id, s.Env, time.Now(), s.Assertions.Criteria)
	switch {
	case s.SetsRetention():
		led.TrackPositions()
	case r.opts.ExportLedger != "":
		led.KeepPositions() // for the export; verdicts are judged as without it
	}
	if len(s.Workload.Phases) > 0 {
		led.DeclarePhases(phaseDecls(s.Workload.Load()), s.Workload.Producers)
	}
	r.waitTxnCoordinators(ctx, adm)
	group, stopGroup := (*kitchen.Group)(nil), func() {}
	if r.probe == nil || !r.probe.producersOnly {
		var err error
		if group, err = kitchen.StartGroup(conn, r.consumeSpec(id, down), down.db, led); err != nil {
			return fmt.Errorf("consumer group: %w", err)
		}
		stopGroup = sync.OnceFunc(group.Stop)
		defer stopGroup()
		// Load starts on a settled group, as in production: members joining
		// one by one under load would show up as lag of the harness's making.
		r.waitGroupSettled(ctx, adm, s.Consumer.Group, s.Consumer.Instances, s.Topic.Partitions)
	}
	start := time.Now()
	r.res.StartedAt = start
	led.StartAt(start)
	sampler, err := drain.NewLagSampler(conn, s.Topic.Name, s.Consumer.Group, led)
	if err != nil {
		return fmt.Errorf("lag sampler: %w", err)
	}
	defer sampler.Close()
	stopLag := sampleInBackground(ctx, sampler)
	defer stopLag()

	env := &faults.Env{Brokers: cluster, Admin: adm, Downstream: cluster, Producers: down.poison,
		Deployments: &deployments{r: r, conn: conn, out: led}, Rand: seededRand(s.Seed)}
	if group != nil {
		env.Consumers = group
	}
	if db, ok := down.db.(faults.Database); ok {
		env.Database = db
	}
	ps := r.produceSpec(id)
	ps.Poison = down.poison
	if ps.Crashes != nil {
		env.Transactions = ps.Crashes
	}
	if down.service != nil {
		ps.Book = down.service
	}
	if err := r.produceUnderFaults(ctx, env, conn, ps, led); err != nil {
		return err
	}
	stopLag() // settle samples on its own from here: one sampler, samples in time order
	if r.probe == nil {
		stopProgress := r.progressLoop(led, "settling", nil)
		r.settle(ctx, sampler, group, s.Assertions.RecoverWithin+5*time.Second)
		stopProgress()
	} else if group != nil {
		// The window's last records count too: a short wait for them, or
		// their lag shows in the samples taken meanwhile.
		r.settle(ctx, sampler, group, r.probe.settle)
	}
	stopGroup()
	if group != nil { // none only when a probe measures the producers alone
		for _, e := range group.ErrorSpans() {
			r.logf("consumer errors: %d× %s", e.Count, e.Error)
			r.res.ConsumerErrors = append(r.res.ConsumerErrors, result.ErrorSpan{Error: e.Error, Count: e.Count,
				First: e.First.Sub(start).Seconds(), Last: e.Last.Sub(start).Seconds()})
		}
		r.sinkWrites = group.SinkWrites()
		led.SinkWrites(ledger.SinkWriteStats{Statements: r.sinkWrites.Statements, Rows: r.sinkWrites.Rows,
			P50: time.Duration(r.sinkWrites.Latency.ValueAtQuantile(50)) * time.Microsecond,
			P99: time.Duration(r.sinkWrites.Latency.ValueAtQuantile(99)) * time.Microsecond, Series: r.sinkWrites.Series})
	}
	down.report(r, led)
	if r.probe != nil {
		// A probe is read for its rates, latencies and lag: nothing to drain.
		r.res.EndedAt = time.Now()
		r.recordReport(assertions.Verify(led, s.Assertions.Criteria))
		return nil
	}
	if r.res.SinkOrders, err = kitchendb.ReadBack(ctx, down.db, led); err != nil {
		return err
	}
	err = r.judge(ctx, conn, id, led)
	if r.opts.ExportLedger != "" {
		if werr := r.exportLedger(led); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// exportLedger writes the ledger's claims for an independent reader.
func (r *run) exportLedger(led *ledger.Ledger) error {
	data, err := json.Marshal(led.Export(r.s.Topic.Name))
	if err != nil {
		return fmt.Errorf("export the ledger: %w", err)
	}
	if dir := filepath.Dir(r.opts.ExportLedger); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("export the ledger: %w", err)
		}
	}
	if err := os.WriteFile(r.opts.ExportLedger, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("export the ledger: %w", err)
	}
	r.res.LedgerExport = r.opts.ExportLedger
	r.logf("ledger exported to %s (%d bytes)", r.opts.ExportLedger, len(data)+1)
	return nil
}

// sampleInBackground samples lag until the returned stop is called.
func sampleInBackground(ctx context.Context, sampler *drain.LagSampler) (stop func()) {
	lagCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sampler.Run(lagCtx, lagEvery)
	}()
	return sync.OnceFunc(func() { cancel(); <-done })
}

// produceUnderFaults runs the producers while the fault schedule plays, then
// heals whatever is still injected: the drain needs the whole cluster.
func (r *run) produceUnderFaults(ctx context.Context, env *faults.Env, conn kafkaconn.Conn, ps load.ProduceSpec,
	led *ledger.Ledger) error {
	sched := faults.NewSchedule(env, plans(r.s))
	sched.Watch(led)
	r.logf("workload: %s, %d faults scheduled", describeLoad(ps.Phases), len(r.s.Faults))
	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	sched.Start(schedCtx, r.res.StartedAt)
	stopProgress := r.progressLoop(led, "workload", sched.Active)
	ps.Start = r.res.StartedAt // one time origin for faults and the send schedule
	pctx := ctx
	if r.probe != nil {
		var cancel context.CancelFunc
		pctx, cancel = r.probe.produceContext(ctx)
		defer cancel()
	}
	stats, err := load.Produce(pctx, conn, ps, led)
	led.ProduceStopped(time.Now())
	stopProgress()
	stopSched() // an early producer failure must not wait for the last heal time
	healCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.healBudget())
	defer cancel()
	sched.HealAll(healCtx)
	r.recordTimeline(sched.Timeline())
	for _, e := range stats.TopErrors(5) {
		r.logf("producer errors: %s", e)
	}
	for _, e := range stats.Spans {
		r.res.ProducerErrors = append(r.res.ProducerErrors, result.ErrorSpan{Error: e.Error, Count: e.Count,
			First: e.First.Sub(r.res.StartedAt).Seconds(), Last: e.Last.Sub(r.res.StartedAt).Seconds()})
	}
	switch {
	case err != nil:
		return fmt.Errorf("producers: %w", err)
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted: %w", ctx.Err())
	case len(sched.Errors()) > 0:
		return fmt.Errorf("faults: the schedule did not run as written: %v", sched.Errors())
	}
	return nil
}

func (r *run) judge(ctx context.Context, conn kafkaconn.Conn, id orders.Identity, led *ledger.Ledger) error {
	r.logf("draining %s to its end offsets", r.s.Topic.Name)
	dctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	if err := drain.Drain(dctx, conn, r.s.Topic.Name, id, led); err != nil {
		return fmt.Errorf("drain: %w", err)
	}
	if r.s.Consumer.Policy().DeadLetters() {
		if err := drain.DrainDeadLetters(dctx, conn, r.s.Consumer.DeadLetterTopic, id, led); err != nil {
			return fmt.Errorf("drain %s: %w", r.s.Consumer.DeadLetterTopic, err)
		}
	}
	if o := r.s.Consumer.Output; o != nil {
		if err := drain.DrainOutput(dctx, conn, o.Topic, id, led); err != nil {
			return fmt.Errorf("drain %s: %w", o.Topic, err)
		}
	}
	rep := assertions.Verify(led, r.s.Assertions.Criteria)
	r.res.EndedAt = time.Now()
	r.recordReport(rep)
	return nil
}

// settle waits for the group to catch up after producing stops, and for
// the retry table to empty, bounded by the recovery allowance (lag-recovers
// judges how long it took). The samples it takes are the ones lag-recovers
// judges.
func (r *run) settle(ctx context.Context, sampler *drain.LagSampler, group *kitchen.Group, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		sctx, cancel := context.WithTimeout(ctx, 2*lagEvery)
		behind, ok := sampler.Sample(sctx)
		cancel()
		if ok && behind == 0 && group.Parked() == 0 {
			return
		}
		time.Sleep(lagEvery)
	}
	r.logf("consumer group still behind (or events still parked: %d) after %s", group.Parked(), limit.Round(time.Second))
}

func (r *run) write() error {
	if r.opts.OutDir == "" {
		return nil
	}
	if err := reports.WriteAll(r.opts.OutDir, r.res); err != nil {
		return err
	}
	r.res.Path = filepath.Join(r.opts.OutDir, "result.json")
	return nil
}

// waitGroupSettled waits, up to groupSettleTimeout, until the group is
// stable with every member joined and every partition assigned.
func (r *run) waitGroupSettled(ctx context.Context, adm *kadm.Client, group string, members int, partitions int32) {
	deadline := time.Now().Add(groupSettleTimeout)
	var last string
	for time.Now().Before(deadline) && ctx.Err() == nil {
		described, err := adm.DescribeGroups(ctx, group)
		if err == nil {
			d := described[group]
			assigned := 0
			for _, ps := range d.AssignedPartitions() {
				assigned += len(ps)
			}
			if d.Err == nil && d.State == "Stable" && len(d.Members) == members && assigned == int(partitions) {
				return
			}
			last = fmt.Sprintf("state %s, %d of %d members, %d of %d partitions assigned", d.State, len(d.Members), members, assigned, partitions)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.logf("consumer group not settled after %s (%s); starting the workload anyway", groupSettleTimeout, last)
}

// deployments starts consumers of other environments for the
// foreign-consumer fault, with the kitchen display's client settings.
type deployments struct {
	r    *run
	conn kafkaconn.Conn
	out  kitchen.Foreigners
}

func (d *deployments) StartForeign(env, topic, group string, guard bool) (func(), error) {
	s := d.r.s
	// The kitchen display's settings, but never its static instance id: the
	// deployment must leave the group when it is taken away.
	var settings []clientconf.Setting
	for _, st := range s.Consumer.Config.Client() {
		if st.Key != "group.instance.id" {
			settings = append(settings, st)
		}
	}
	cfg, bad := clientconf.ConsumerOptions(settings)
	if bad != nil {
		return nil, fmt.Errorf("consumer settings: %w", bad.Err())
	}
	spec := kitchen.ForeignSpec{Env: env, Topic: cmp.Or(topic, s.Topic.Name), Group: cmp.Or(group, s.Consumer.Group),
		Guard: guard, Config: cfg}
	f, err := kitchen.StartForeign(d.conn, spec, d.out)
	if err != nil {
		return nil, err
	}
	return func() {
		for e, n := range f.Stop() {
			d.r.logf("consumer of env %s: %d× %s", env, n, e)
		}
	}, nil
}
