package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/javaclient"
	"github.com/chaosrun/chaosrun/spec"
)

// Settings shown in the result for the Java client, besides those the
// scenario sets: the ones its verdicts most often hinge on.
var (
	javaProducerShown = []string{"acks", "enable.idempotence", "delivery.timeout.ms", "request.timeout.ms", "linger.ms",
		"batch.size", "buffer.memory", "max.block.ms", "retries", "retry.backoff.ms", "retry.backoff.max.ms",
		"max.in.flight.requests.per.connection", "compression.type", "client.id"}
	javaConsumerShown = []string{"enable.auto.commit", "auto.commit.interval.ms", "auto.offset.reset", "session.timeout.ms",
		"heartbeat.interval.ms", "max.poll.interval.ms", "max.poll.records", "isolation.level",
		"partition.assignment.strategy", "group.instance.id", "group.protocol"}
)

// prepareJava builds the Java workload client and has the Java client judge
// the scenario's settings, before any cluster starts: a setting it refuses
// is bad input at its line.
func (r *run) prepareJava(ctx context.Context) error {
	libs, err := harness.KafkaLibs(ctx, "", r.logf)
	if err != nil {
		return fmt.Errorf("java client: %w", err)
	}
	version, err := harness.LibsVersion(libs)
	if err != nil {
		return fmt.Errorf("java client: %w", err)
	}
	cache, err := harness.CacheDir()
	if err != nil {
		return fmt.Errorf("java client: %w", err)
	}
	prog, err := javaclient.Build(ctx, libs, version, cache)
	if err != nil {
		return fmt.Errorf("java client: %w", err)
	}
	s := r.s
	producer, consumer := s.Workload.Producer.Map(), s.Consumer.Config.Map()
	j := &clientconf.JavaClient{Program: prog, Producer: producer, Consumer: consumer}
	pEff, pProblems, err := prog.Check(ctx, true, j.ProducerSettings(0))
	if err != nil {
		return fmt.Errorf("java client: %w", err)
	}
	cEff, cProblems, err := prog.Check(ctx, false, j.ConsumerSettings(s.Consumer.Group, 0))
	if err != nil {
		return fmt.Errorf("java client: %w", err)
	}
	bad := &spec.Errors{}
	for _, p := range pProblems {
		bad.List = append(bad.List, settingProblem(s, "workload.producer", p).List...)
	}
	for _, p := range cProblems {
		bad.List = append(bad.List, settingProblem(s, "consumer.config", p).List...)
	}
	if len(bad.List) > 0 {
		return bad
	}
	pc := &r.clients.Producer
	pc.Resolved = shown(pEff, producer, javaProducerShown)
	pc.Acks = pEff["acks"]
	if pc.Acks == "-1" {
		pc.Acks = "all"
	}
	cc := &r.clients.Consumer
	cc.Resolved = shown(cEff, consumer, javaConsumerShown)
	cc.AutoCommit = cEff["enable.auto.commit"] == "true"
	r.java = j
	r.res.Workload.Client = "java " + version
	r.logf("client: Apache Kafka Java client %s (compiled in %s)", version, cache)
	return nil
}

// settingProblem is the Java client's refusal at the setting's line.
func settingProblem(s *spec.Scenario, path string, p problem.Problem) *spec.Errors {
	return s.ErrorAt(problem.Join(path, p.Field), "refused by the Java client: "+p.Msg)
}

// shown keeps the effective values of the settings the scenario set and of
// the usual suspects.
func shown(eff, set map[string]string, usual []string) map[string]string {
	keys := append([]string(nil), usual...)
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := eff[k]; ok {
			out[k] = v
		}
	}
	return out
}

// attachJava points the Java client at the started cluster; its processes
// carry the run's markers, so a later run cleans them up after a crash.
func (r *run) attachJava(seeds []string, runDir string) error {
	if r.java == nil {
		return nil
	}
	r.java.Bootstrap = seeds
	r.java.Program.JVMArgs = harness.Markers(r.id, runDir)
	r.java.LogDir = filepath.Join(runDir, "java-client")
	if r.opts.OutDir != "" {
		r.java.LogDir = filepath.Join(r.opts.OutDir, "java-client")
	}
	return os.MkdirAll(r.java.LogDir, 0o755)
}
