package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/spec"
	"github.com/chaosrun/chaosrun/workloads"
)

// Options are how to run, as opposed to what (the scenario).
type Options struct {
	Runtime string // "process" or "auto" (which means process until the docker runtime lands)
	OutDir  string // result.json and .hgrm files go here; empty: nowhere
	Logf    func(string, ...any)
}

// HarnessError is a failure of the harness or its infrastructure, as opposed
// to a verdict about Kafka: the run proves nothing either way.
type HarnessError struct{ Err error }

func (e *HarnessError) Error() string { return "harness: " + e.Err.Error() }
func (e *HarnessError) Unwrap() error { return e.Err }

// Run runs one scenario end to end and returns its result. Bad input comes
// back as *spec.Errors, infrastructure trouble as *HarnessError (with a
// result that says so); a run whose assertions fail is not an error.
func Run(ctx context.Context, s *spec.Scenario, opts Options) (*reports.Result, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Runtime != "" && opts.Runtime != "process" && opts.Runtime != "auto" {
		return nil, fmt.Errorf("runtime %q: only process (and auto, which picks it) exist so far", opts.Runtime)
	}
	r := &run{s: s, opts: opts, logf: opts.Logf, id: newRunID()}
	r.res = r.baseResult()
	err := r.execute(ctx)
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
		err = &HarnessError{Err: werr}
	}
	return r.res, err
}

// run holds one run's moving parts, torn down in reverse order.
type run struct {
	s     *spec.Scenario
	opts  Options
	logf  func(string, ...any)
	id    string
	res   *reports.Result
	hists map[string]*hdrhistogram.Histogram
}

func newRunID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

func (r *run) execute(ctx context.Context) error {
	if removed, err := harness.CleanLeftovers("", r.logf); err != nil {
		r.logf("cleaning leftovers of earlier runs: %v", err)
	} else if len(removed) > 0 {
		r.logf("removed leftovers of crashed runs: %v", removed)
	}
	rt, err := r.runtime(ctx)
	if err != nil {
		return err
	}
	cluster, err := harness.Start(ctx, rt, harness.Config{
		Nodes: r.s.Cluster.Nodes, Controllers: r.s.Cluster.Controllers,
		BrokerConfig: r.s.Cluster.Broker.Map(), Features: r.s.Cluster.Features, Logf: r.logf,
	})
	if err != nil {
		return err
	}
	defer r.closeCluster(cluster)
	r.recordCluster(cluster)
	return r.withCluster(ctx, cluster, rt.RunDir())
}

func (r *run) runtime(ctx context.Context) (*harness.ProcessRuntime, error) {
	libs, err := harness.KafkaLibs(ctx, harness.DefaultKafkaVersion, r.logf)
	if err != nil {
		return nil, err
	}
	return harness.NewProcessRuntime(harness.ProcessOptions{
		Version: harness.DefaultKafkaVersion, LibsDir: libs, RunID: r.id, Logf: r.logf,
	})
}

func (r *run) closeCluster(c *harness.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		r.logf("teardown: %v", err)
	}
}

func (r *run) withCluster(ctx context.Context, cluster *harness.Cluster, runDir string) error {
	admCl, err := kgo.NewClient(kgo.SeedBrokers(cluster.Bootstrap()...))
	if err != nil {
		return err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	if err := checkBrokerConfig(ctx, r.s, adm); err != nil {
		return err
	}
	if err := createTopic(ctx, r.s, admCl); err != nil {
		return err
	}
	sink, err := workloads.OpenSQLite(filepath.Join(runDir, "kitchen.db"))
	if err != nil {
		return err
	}
	defer sink.Close()
	return r.drive(ctx, cluster, adm, sink)
}

// drive runs the workload with its faults, then settles, drains and judges.
func (r *run) drive(ctx context.Context, cluster *harness.Cluster, adm *kadm.Client, sink workloads.Sink) error {
	s := r.s
	prodCfg, _ := workloads.ProducerOptions(s.Workload.Producer.Client()) // validated by spec
	consCfg, _ := workloads.ConsumerOptions(s.Consumer.Config.Client())
	r.res.Producer, r.res.Consumer = prodCfg.Resolved, consCfg.Resolved
	id := workloads.Identity{Run: r.id, Env: s.Env}
	bootstrap := cluster.Bootstrap()

	start := time.Now()
	ledger := assertions.NewLedger(r.id, s.Env, start, criteria(s))
	group, err := workloads.StartGroup(bootstrap, workloads.ConsumeSpec{
		Topic: s.Topic.Name, Group: s.Consumer.Group, Instances: s.Consumer.Instances, Workers: s.Consumer.Workers,
		ProcessingTime: s.Consumer.ProcessingTime, Identity: id, Config: consCfg,
	}, sink, ledger)
	if err != nil {
		return err
	}
	stopGroup := sync.OnceFunc(group.Stop)
	defer stopGroup()

	sampler, err := workloads.NewLagSampler(bootstrap, s.Topic.Name, s.Consumer.Group, ledger)
	if err != nil {
		return err
	}
	defer sampler.Close()
	lagCtx, cancelLag := context.WithCancel(ctx)
	lagDone := make(chan struct{})
	go func() {
		defer close(lagDone)
		sampler.Run(lagCtx, lagEvery)
	}()
	stopLag := sync.OnceFunc(func() { cancelLag(); <-lagDone })
	defer stopLag()

	env := &faults.Env{Brokers: cluster, Admin: adm, Consumers: group, Rand: seededRand(s.Seed)}
	sched := faults.NewSchedule(env, plans(s))
	r.res.StartedAt = start
	r.logf("workload: %.0f records/s for %s, %d faults scheduled", s.Workload.Rate, s.Workload.Duration, len(s.Faults))
	sched.Start(ctx, start)
	stats, perr := workloads.Produce(ctx, bootstrap, produceSpec(s, id, prodCfg), ledger)
	ledger.ProduceStopped(time.Now())
	healCtx, cancelHeal := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancelHeal()
	sched.HealAll(healCtx)
	r.recordTimeline(sched.Timeline())
	for _, e := range stats.TopErrors(5) {
		r.logf("producer errors: %s", e)
	}
	if perr != nil {
		return perr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	stopLag() // settle samples on its own from here: one sampler, samples in time order
	r.settle(ctx, sampler, s)
	stopGroup()
	for e, n := range group.Errors() {
		r.logf("consumer errors: %d× %s", n, e)
	}
	return r.judge(ctx, bootstrap, id, ledger)
}

func (r *run) judge(ctx context.Context, bootstrap []string, id workloads.Identity, ledger *assertions.Ledger) error {
	r.logf("draining %s to its end offsets", r.s.Topic.Name)
	dctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	if err := workloads.Drain(dctx, bootstrap, r.s.Topic.Name, id, ledger); err != nil {
		return err
	}
	rep := ledger.Verify()
	r.res.EndedAt = time.Now()
	r.recordReport(rep)
	return nil
}

// settle waits for the group to catch up after producing stops, bounded by
// the recovery allowance (lag-recovers judges how long it took).
// The samples it takes are the ones lag-recovers judges.
func (r *run) settle(ctx context.Context, sampler *workloads.LagSampler, s *spec.Scenario) {
	deadline := time.Now().Add(s.Assertions.RecoverWithin + 5*time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		sctx, cancel := context.WithTimeout(ctx, 2*lagEvery)
		behind, ok := sampler.Sample(sctx)
		cancel()
		if ok && behind == 0 {
			return
		}
		time.Sleep(lagEvery)
	}
	r.logf("consumer group still behind after %s", s.Assertions.RecoverWithin)
}

func (r *run) write() error {
	if r.opts.OutDir == "" {
		return nil
	}
	path := filepath.Join(r.opts.OutDir, "result.json")
	if err := reports.WriteJSON(path, r.res); err != nil {
		return err
	}
	r.res.Path = path
	if len(r.hists) == 0 {
		return nil
	}
	if err := os.MkdirAll(r.opts.OutDir, 0o755); err != nil {
		return err
	}
	return reports.WriteHgrm(r.opts.OutDir, r.hists)
}
