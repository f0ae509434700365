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
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/result"
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
	if r.ext != nil {
		return nil, s.ErrorAt("cluster.external", "capacity searches start their own cluster; on an external cluster they are not supported yet")
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

// CreateTopic creates s's topic on the cluster as a run would, and waits
// for its leaders.
func (c *Cluster) CreateTopic(ctx context.Context, s *spec.Scenario) error {
	cl, err := c.cluster.Conn().NewClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	return createTopic(ctx, s, cl)
}

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
	// Settle is how long the group may take, after the load, to process
	// what is left of it; lag is sampled meanwhile.
	Settle time.Duration
}

// Probe is what one probe measured. Its verdicts judge an undrained
// history and mean nothing: a probe is read for its rates, latencies and
// lag, not for loss.
type Probe struct {
	*result.Result
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
	r.probe = &probeState{watch: po.Watch, producersOnly: po.ProducersOnly, settle: po.Settle}
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
	if s.Workload.Java() {
		err = r.prepareJava(ctx) // compiled once; the settings checked as for a run
	}
	if err == nil {
		err = r.withCluster(ctx, c.cluster, dir)
	}
	c.forget(s)
	res, err := r.finish(err)
	return Probe{Result: res, Stopped: r.probe.reason()}, err
}

// forget deletes a probe's topics and group; what cannot be deleted is
// logged (the cluster goes with it at the end anyway).
func (c *Cluster) forget(s *spec.Scenario) {
	topics := []string{s.Topic.Name}
	if s.Consumer.DeadLetterTopic != "" {
		topics = append(topics, s.Consumer.DeadLetterTopic)
	}
	if o := s.Consumer.Output; o != nil {
		topics = append(topics, o.Topic)
	}
	c.Delete(topics, []string{s.Consumer.Group})
}

// Delete deletes topics and groups made on the cluster; a topic or group
// that does not exist is no error.
func (c *Cluster) Delete(topics, groups []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := c.cluster.Conn().NewClient()
	if err != nil {
		c.r.logf("delete %v %v: %v", topics, groups, err)
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if len(topics) > 0 {
		resp, err := adm.DeleteTopics(ctx, topics...)
		if err == nil {
			err = resp.Error()
		}
		if err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) {
			c.r.logf("delete topics %v: %v", topics, err)
		}
	}
	if len(groups) > 0 {
		resp, err := adm.DeleteGroups(ctx, groups...)
		if err == nil {
			err = resp.Error()
		}
		if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			c.r.logf("delete groups %v: %v", groups, err)
		}
	}
}

// probeState is a probe run's early stop.
type probeState struct {
	watch         func(Progress) string
	producersOnly bool
	settle        time.Duration
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
// Each look asks a broker, not the client's cached broker list.
func (c *Cluster) waitBrokers(ctx context.Context) error {
	cl, err := c.cluster.Conn().NewClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	want := len(c.cluster.NodeIDs())
	deadline := time.Now().Add(brokersBackTimeout)
	got := 0
	for time.Now().Before(deadline) {
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{} // none, not all
		if resp, err := req.RequestWith(ctx, cl); err == nil {
			if got = len(resp.Brokers); got >= want {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("only %d of %d brokers registered after %s", got, want, brokersBackTimeout)
}

// brokersBackTimeout bounds the wait for a healed broker to register.
const brokersBackTimeout = 2 * time.Minute
