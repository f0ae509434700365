package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/spec"
	"github.com/chaosrun/chaosrun/thresholds"
)

// replicationFactor is the topic's, also when an assignment sets it.
func replicationFactor(t spec.Topic) int16 {
	if t.ReplicationFactor == 0 && len(t.Assignment) > 0 {
		return int16(len(t.Assignment[0]))
	}
	return t.ReplicationFactor
}

const (
	lagEvery     = 250 * time.Millisecond // four samples a second per partition
	drainTimeout = 3 * time.Minute
	// groupSettleTimeout bounds the wait for the group before the load.
	groupSettleTimeout = 30 * time.Second
)

func (r *run) baseResult() *result.Result {
	s := r.s
	return &result.Result{
		Schema: result.Schema, Scenario: s.Name, Description: s.Description, File: s.File,
		RunID: r.id, Seed: s.Seed,
		Topics: []result.Topic{{
			Name: s.Topic.Name, Partitions: s.Topic.Partitions, ReplicationFactor: replicationFactor(s.Topic),
			Config: s.Topic.Config.Map(), Assignment: s.Topic.Assignment,
		}},
		Workload: result.Workload{
			Rate: s.Workload.Rate, Phases: phaseNames(s.Workload), Producers: s.Workload.Producers, Duration: s.Workload.Duration.Seconds(),
			KeyMode: string(s.Workload.Key), MessageSize: s.Workload.MessageSize, Topic: s.Topic.Name, Env: s.Env,
			Consumers: s.Consumer.Instances, Workers: s.Consumer.Workers, Client: spec.ClientFranz,
		},
		Expect:    result.Expectation{Verdict: s.Expect.Verdict, Failing: s.Expect.Failing},
		Overrides: overrideTexts(s.Overrides),
	}
}

func overrideTexts(ovs []spec.Override) []string {
	var out []string
	for _, o := range ovs {
		out = append(out, o.String())
	}
	return out
}

func (r *run) recordCluster(c *harness.Cluster) {
	r.res.KafkaVersion = c.KafkaVersion()
	r.res.Runtime = c.Runtime()
	controllers := r.s.Cluster.Controllers
	if len(controllers) == 0 && c.External() {
		// Best effort: the cluster's voters, not every broker.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		controllers, _ = c.Voters(ctx)
		cancel()
	} else if len(controllers) == 0 {
		controllers = c.NodeIDs()
	}
	r.res.Cluster = result.Cluster{Nodes: c.NodeIDs(), Controllers: controllers, BrokerConfig: c.NodeConfigs()}
}

func (r *run) recordTimeline(hs []faults.Happening) {
	for _, h := range hs {
		r.res.Timeline = append(r.res.Timeline, result.TimelineEntry{
			At: h.At, T: h.At.Sub(r.res.StartedAt).Seconds(), Fault: h.Fault, Action: h.Action,
			Target: h.Target, Detail: h.Detail, Error: h.Err,
		})
	}
}

func (r *run) recordReport(rep assertions.Report) {
	r.res.Counts = rep.Counts
	r.res.Assertions = rep.Verdicts
	r.res.Lag = rep.Lag
	r.res.AckSeries = rep.AckSeries
	r.res.E2ESeries, r.res.SentSeries = rep.E2ESeries, rep.SentSeries
	r.res.Phases = result.PhasesOf(r.res.StartedAt, rep.Phases)
	r.res.Recoveries = result.RecoveriesOf(rep.Recoveries)
	r.res.FillRecoveryWindows()
	r.res.Group = result.GroupOf(r.res.StartedAt, rep.Group)
	r.res.Latency = map[string]result.Latency{}
	for name, h := range rep.Latency {
		r.res.Latency[name] = result.LatencyOf(h)
	}
	if w := r.sinkWrites; w.Statements > 0 {
		r.res.SinkWrites = &result.SinkWrites{Statements: w.Statements, Rows: w.Rows}
		r.res.Latency[result.SinkWriteLatency] = result.LatencyOf(w.Latency)
	}
	// Thresholds last: they read the figures above.
	r.res.Assertions = append(slices.Clip(r.res.Assertions), thresholds.JudgeAll(r.res, r.s.Limits)...)
}

func plans(s *spec.Scenario) []faults.Planned {
	out := make([]faults.Planned, len(s.Faults))
	for i, f := range s.Faults {
		out[i] = faults.Planned{Type: f.Type, Fault: f.Fault, Target: f.Target, At: f.At, Duration: f.Duration}
	}
	return out
}

func (r *run) produceSpec(id orders.Identity) load.ProduceSpec {
	s := r.s
	w := s.Workload
	ps := load.ProduceSpec{
		Topic: s.Topic.Name, Phases: w.Load(), Producers: w.Producers,
		Key: w.Key, Merchants: w.Merchants, MessageSize: w.MessageSize, Seed: s.Seed,
		Identity: id, Config: r.clients.Producer,
	}
	if r.java != nil {
		ps.Java = r.java
	}
	if t := w.Transactions; t != nil {
		ps.Transactions = &load.Transactions{Records: t.Records, AbortRate: t.AbortRate}
		ps.Crashes = load.NewProducerCrashes()
	}
	return ps
}

func seededRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6661756c7473)) }

func phaseDecls(phases []load.Phase) []ledger.PhaseDecl {
	out := make([]ledger.PhaseDecl, len(phases))
	for i, p := range phases {
		out[i] = ledger.PhaseDecl{Name: fmt.Sprintf("%d: %s", i+1, p.Name())}
		if !p.Kind.Timed() {
			out[i].Flood = p.Records
		}
	}
	return out
}

func describeLoad(phases []load.Phase) string {
	names := make([]string, len(phases))
	for i, p := range phases {
		names[i] = p.Name()
	}
	return strings.Join(names, ", then ")
}

func phaseNames(w spec.Workload) []string {
	var out []string
	for _, p := range w.Phases {
		out = append(out, p.Load().Name())
	}
	return out
}
