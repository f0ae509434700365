package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

// Options are how to run a plan.
type Options struct {
	Run runner.Options // runtime, image and logs of the cluster and probes
	// Each hears of every probe as it ends.
	Each func(c Combination, faulted bool, p ProbeResult)
	// PerfTest sets the producers' ceiling beside kafka-producer-perf-test's
	// on the same cluster (with Plan.ProducersOnly).
	PerfTest bool
}

// Execute runs the plan: per combination a search on a healthy cluster and,
// with Plan.Fault, one with the fault held. Combinations whose cluster is
// the same share one cluster, started once. The report is complete as far
// as it got; err is a harness error or an interrupt that ended it.
func Execute(ctx context.Context, p *Plan, o Options) (*Report, error) {
	rep := newReport(p)
	logf := o.Run.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	defer func() { rep.EndedAt = time.Now() }()
	start := p.Search.Start
	for gi, group := range byCluster(p.Combinations) {
		cl, err := runner.StartCluster(ctx, p.ClusterScenario(group[0]), o.Run)
		if err != nil {
			rep.Error = err.Error()
			return rep, err
		}
		rep.Runtime, rep.RuntimeReason = cl.Runtime()
		rep.KafkaVersion = cl.KafkaVersion()
		err = func() error {
			defer cl.Close()
			for _, c := range group {
				healthy, err := runCombination(ctx, cl, p, c, nil, start, o)
				rep.Results = append(rep.Results, healthy)
				if err != nil {
					return err
				}
				if healthy.MaxSustainableRate > 0 {
					start = healthy.MaxSustainableRate // the next combination starts near here
				}
				if p.Fault != nil {
					faulted, err := runCombination(ctx, cl, p, c, p.Fault, max(p.Search.Min, healthy.MaxSustainableRate), o)
					rep.Results = append(rep.Results, faulted)
					if err != nil {
						return err
					}
				}
			}
			// Once, on the first cluster, against its first combination.
			if o.PerfTest && p.ProducersOnly && gi == 0 {
				rep.PerfTest = perfTest(ctx, cl, group[0], rep.Results[0].MaxSustainableRate, logf)
			}
			return ctx.Err()
		}()
		if err != nil {
			rep.Error = err.Error()
			return rep, err
		}
	}
	rep.Recommendation = recommend(rep, p)
	return rep, nil
}

// byCluster groups combinations by the cluster they need, in order of
// first appearance.
func byCluster(cs []Combination) [][]Combination {
	var keys []string
	groups := map[string][]Combination{}
	for _, c := range cs {
		k := c.clusterKey()
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	out := make([][]Combination, len(keys))
	for i, k := range keys {
		out[i] = groups[k]
	}
	return out
}

// runCombination searches c's sustainable rate on cl (under fault, when
// set). The error is what ended the search early: bad input the cluster
// refused (*spec.Errors), a harness error or an interrupt.
func runCombination(ctx context.Context, cl *runner.Cluster, p *Plan, c Combination, fault *spec.Fault, start float64, o Options) (Result, error) {
	began := time.Now()
	res := resultOf(c, fault)
	warm := p.Shape.Warmup
	if fault != nil {
		warm = p.Shape.FaultWarmup
	}
	probe := func(ctx context.Context, rate float64) (Outcome, error) {
		s := probeScenario(c, fmt.Sprintf("cap%d", cl.Probes()+1), rate, p.Shape, fault)
		t0 := time.Now()
		pr, err := cl.Probe(ctx, s, runner.ProbeOptions{Watch: watch(rate, warm, p.Shape, p.ProducersOnly),
			ProducersOnly: p.ProducersOnly, Settle: p.Shape.MaxLag + time.Second}, o.Run)
		if err != nil {
			return Outcome{}, err
		}
		j := judge(pr, rate, p.SLO, p.Shape, p.ProducersOnly)
		j.Seconds = time.Since(t0).Seconds()
		res.Probes = append(res.Probes, j)
		if o.Each != nil {
			o.Each(c, fault != nil, j)
		}
		return Outcome{Rate: rate, Sustained: j.Sustained, Limit: j.Limit, Detail: j.Detail}, nil
	}
	search := p.Search
	search.Start = math.Max(search.Min, math.Min(search.Max, start))
	search.Must = p.Target
	sr, err := search.Run(ctx, probe)
	res.Seconds = time.Since(began).Seconds()
	res.MaxSustainableRate, res.Ended = sr.Sustainable, sr.Why
	if !math.IsInf(sr.FirstFailed, 1) {
		ff := sr.FirstFailed
		res.FirstFailedRate = &ff
	}
	for i := range res.Probes {
		pr := &res.Probes[i]
		if pr.Sustained && pr.TargetRate == sr.Sustainable {
			res.AtMax = pr
		}
		if !pr.Sustained && pr.TargetRate == sr.FirstFailed {
			res.Limit, res.LimitDetail = pr.Limit, pr.Detail
		}
	}
	if res.FirstFailedRate == nil && err == nil {
		res.Limit, res.LimitDetail = "", fmt.Sprintf("none found up to %s/s (--max)", RateText(search.Max))
	}
	if err != nil {
		res.Error = err.Error()
	}
	return res, err
}

// perfTest runs kafka-producer-perf-test on cl with records of the
// workload's size and c's producer settings, for about as many records as
// the ceiling sends in 15 s, on a topic like c's (deleted afterwards).
func perfTest(ctx context.Context, cl *runner.Cluster, c Combination, ceiling float64, logf func(string, ...any)) *PerfTestComparison {
	s := c.Scenario
	cmp := &PerfTestComparison{ChaosrunRate: ceiling}
	size := load.RecordBytes(orders.Identity{Run: "r-0123456789abcdef", Env: s.Env}, s.Workload.Key, s.Workload.MessageSize)
	cmp.RecordBytes = size
	records := int(math.Min(3_000_000, math.Max(100_000, ceiling*15)))
	libs, err := harness.KafkaLibs(ctx, cl.KafkaVersion(), logf)
	if err != nil {
		cmp.Error = err.Error()
		return cmp
	}
	ts := *s
	ts.Topic.Name += "-perftest"
	if err := cl.CreateTopic(ctx, &ts); err != nil {
		cmp.Error = err.Error()
		return cmp
	}
	defer cl.Delete([]string{ts.Topic.Name}, nil)
	props := map[string]string{}
	for _, kv := range s.Workload.Producer {
		props[kv.Key] = kv.Value
	}
	// As many perf-test producers, at once, as the workload has producers:
	// one client against several would compare client counts, not clients.
	n := max(1, s.Workload.Producers)
	logf("kafka-producer-perf-test: %d producers, %d records of %d bytes each, on %s", n, records/n, size, ts.Topic.Name)
	results := make([]PerfTestSummary, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = ProducerPerfTest(ctx, libs, cl.Bootstrap(), ts.Topic.Name, records/n, size, props)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		cmp.Error = err.Error()
		return cmp
	}
	cmp.PerfTestProducers = n
	for _, pt := range results {
		cmp.PerfTestRate += pt.RecordsPer
		cmp.PerfTestRecords += pt.Records
		cmp.PerfTestP99 = max(cmp.PerfTestP99, pt.P99Ms)
	}
	if cmp.PerfTestRate > 0 {
		cmp.Ratio = ceiling / cmp.PerfTestRate
	}
	cmp.Settings = strings.TrimSpace(fmt.Sprint(props))
	return cmp
}
