package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/spec"
)

// Cluster is a Kafka cluster started once and lent to several short runs,
// capacity probes: each brings its own topic, group and kitchen database,
// and removes them when it ends, so the next finds the cluster as it was.
type Cluster struct {
	r       *run // the run that started the cluster: runtime, image, logs
	cluster *harness.Cluster
	runDir  string
	probes  int
}

// StartCluster starts the cluster scenario s describes (its cluster section
// only), on the runtime opts choose. Close it when done.
func StartCluster(ctx context.Context, s *spec.Scenario, opts Options) (*Cluster, error) {
	r, err := newRun(s, opts)
	if err != nil {
		return nil, err
	}
	cluster, runDir, err := r.startCluster(ctx)
	if err != nil {
		var bad *spec.Errors
		if errors.As(err, &bad) {
			return nil, err
		}
		return nil, &HarnessError{Err: err}
	}
	return &Cluster{r: r, cluster: cluster, runDir: runDir}, nil
}

// Runtime names the runtime the cluster runs on, and why it was chosen.
func (c *Cluster) Runtime() (name, why string) { return c.r.res.Runtime, c.r.res.RuntimeReason }

// KafkaVersion is the cluster's Kafka version.
func (c *Cluster) KafkaVersion() string { return c.cluster.KafkaVersion() }

// Bootstrap is the cluster's bootstrap addresses (through its proxies).
func (c *Cluster) Bootstrap() []string { return c.cluster.Bootstrap() }

// Probes counts the probes run on the cluster so far.
func (c *Cluster) Probes() int { return c.probes }

// Close stops the cluster and removes everything it started.
func (c *Cluster) Close() { c.r.closeCluster(c.cluster) }

// ProbeOptions shape one probe.
type ProbeOptions struct {
	// Watch hears of the probe every second while its load runs; a reason
	// it returns stops the load there: the probe has shown enough.
	Watch func(Progress) (stop string)
	// ProducersOnly runs no consumer group: the probe measures the
	// producers alone (a fault on consumers then has nothing to act on).
	ProducersOnly bool
}

// Probe is what one probe measured. Its verdicts judge an undrained
// history and mean nothing: a probe is read for its rates, latencies and
// lag, not for loss.
type Probe struct {
	*reports.Result
	Stopped string // why the load stopped before its end; "" when it ran its length
}

// Probe runs s, whose cluster section must be the one c was started with,
// on c: its topic and group must be new to the cluster. Faults run as in
// any run. The group does not wait to catch up when the load ends, and
// nothing is drained; topic and group are deleted afterwards.
func (c *Cluster) Probe(ctx context.Context, s *spec.Scenario, po ProbeOptions, opts Options) (Probe, error) {
	r, err := newRun(s, opts)
	if err != nil {
		return Probe{}, err
	}
	c.probes++
	r.probe = &probeState{watch: po.Watch, producersOnly: po.ProducersOnly}
	r.res.Runtime, r.res.RuntimeReason = c.r.res.Runtime, c.r.res.RuntimeReason
	r.recordCluster(c.cluster)
	dir := filepath.Join(c.runDir, fmt.Sprintf("probe-%d", c.probes))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Probe{}, &HarnessError{Err: err}
	}
	defer os.RemoveAll(dir)
	if err := c.waitBrokers(ctx); err != nil {
		res, err := r.finish(err)
		return Probe{Result: res}, err
	}
	err = r.withCluster(ctx, c.cluster, dir)
	c.forget(s)
	res, err := r.finish(err)
	return Probe{Result: res, Stopped: r.probe.reason()}, err
}

// forget deletes a probe's topics and group; what cannot be deleted is
// logged, and the cluster goes with it at the end anyway.
func (c *Cluster) forget(s *spec.Scenario) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.cluster.Bootstrap()...))
	if err != nil {
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	topics := []string{s.Topic.Name}
	if s.Consumer.DeadLetterTopic != "" {
		topics = append(topics, s.Consumer.DeadLetterTopic)
	}
	if _, err := adm.DeleteTopics(ctx, topics...); err != nil {
		c.r.logf("probe: delete topics %v: %v", topics, err)
	}
	if _, err := adm.DeleteGroups(ctx, s.Consumer.Group); err != nil {
		c.r.logf("probe: delete group %s: %v", s.Consumer.Group, err)
	}
}

// probeState is a probe run's early stop.
type probeState struct {
	watch         func(Progress) string
	producersOnly bool
	mu            sync.Mutex
	why           string
	stop          context.CancelFunc
}

func (p *probeState) reason() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.why
}

// hear passes progress to the watcher and stops the load when it says.
func (p *probeState) hear(pr Progress) {
	if p.watch == nil || pr.Stage != "workload" {
		return
	}
	if why := p.watch(pr); why != "" {
		p.mu.Lock()
		if p.why == "" {
			p.why = why
			if p.stop != nil {
				p.stop()
			}
		}
		p.mu.Unlock()
	}
}

// produceContext is the context the producers run under: a probe's
// watcher may cancel it, which ends the load, not the run.
func (p *probeState) produceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	pctx, cancel := context.WithCancel(ctx)
	p.mu.Lock()
	p.stop = cancel
	p.mu.Unlock()
	return pctx, cancel
}

// waitBrokers waits until every node is a registered broker again: a probe
// before it may have killed one, and a topic needs its replicas' brokers.
func (c *Cluster) waitBrokers(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.cluster.Bootstrap()...))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	want := len(c.cluster.NodeIDs())
	deadline := time.Now().Add(brokersBackTimeout)
	got := 0
	for time.Now().Before(deadline) && ctx.Err() == nil {
		m, err := adm.BrokerMetadata(ctx)
		if got = len(m.Brokers); err == nil && got >= want {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("only %d of %d brokers registered after %s", got, want, brokersBackTimeout)
}

// brokersBackTimeout bounds the wait for a healed broker to register.
const brokersBackTimeout = 2 * time.Minute
