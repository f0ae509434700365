package scenarios

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/chaosrun/chaosrun/pgserver"

	"github.com/chaosrun/chaosrun"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

// files lists every shipped scenario.
func files(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			out = append(out, path)
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	return out
}

// TestShippedScenariosAreValid is the fast check: every file parses strictly.
func TestShippedScenariosAreValid(t *testing.T) {
	for _, f := range files(t) {
		if _, err := spec.Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestScenarios runs every shipped scenario file on real Kafka, each as a
// subtest that fails unless the scenario's own expectation (pass, or fail
// under the named assertions) is met; checks adds evidence tests for some.
// Adding a scenario is adding a file.
func TestScenarios(t *testing.T) {
	var digest []string
	for _, f := range files(t) {
		var res *result.Result
		ok := t.Run(strings.TrimSuffix(filepath.ToSlash(f), ".yaml"), func(t *testing.T) {
			run(t, f, &res)
			if check := checks[filepath.ToSlash(f)]; check != nil {
				check(t, res)
			}
		})
		if !ok {
			digest = append(digest, failureDigest(f, res))
		}
	}
	// Repeated last, where a CI page's tail shows it: each summary above can
	// be hundreds of lines away.
	if len(digest) > 0 {
		t.Log("failing scenarios, in short:\n" + strings.Join(digest, "\n"))
	}
}

// failureDigest is a few lines per failing scenario: what was unmet and the
// failed verdicts' summaries with their first details.
func failureDigest(file string, res *result.Result) string {
	if res == nil {
		return file + ": no result (see its log above)"
	}
	if res.ExpectationMet {
		return file + ": expectation met; a check of its evidence failed (see its log above)\n"
	}
	return chaosrun.Evidence(res)
}

// Every extra check belongs to a shipped file: a renamed scenario must not
// silently lose its evidence test.
func TestChecksNameShippedScenarios(t *testing.T) {
	for f := range checks {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("checks names %s: %v", f, err)
		}
	}
}

// run runs one scenario on real Kafka through the package's own API,
// chaosrun.Run, which fails the test unless its expectation is met; the
// result, if any, is kept in *res even then. A scenario that cannot run
// here is skipped, with why.
func run(t *testing.T, file string, res **result.Result) {
	t.Helper()
	if testing.Short() {
		t.Skip("scenario runs start a real Kafka cluster; skipped under -short")
	}
	s, err := chaosrun.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	rt := cmp.Or(os.Getenv("CHAOSRUN_RUNTIME"), runtimes.Auto)
	skipUnlessRunnable(t, s, runner.Options{Runtime: rt})
	*res = chaosrun.Run(t, s, chaosrun.WithRuntime(rt), chaosrun.WithOutDir(filepath.Join(resultsDir(t), s.Name)),
		chaosrun.WithTimeout(10*time.Minute))
}

// skipUnlessRunnable skips, with the reason, a scenario that does not fit the
// runtime asked for, that no usable runtime here can run, or, with
// CHAOSRUN_SCENARIOS=runtime-faults, that has no fault acting on a broker
// (it runs the same on every runtime, so one pass of the suite covers it)
// or is an incident pair.
func skipUnlessRunnable(t *testing.T, s *spec.Scenario, opts runner.Options) {
	t.Helper()
	mode := os.Getenv("CHAOSRUN_SCENARIOS")
	switch {
	case mode == "runtime-faults" && !runner.ActsOnBrokers(s):
		t.Skip("CHAOSRUN_SCENARIOS=runtime-faults: no fault acts on a broker, so the scenario runs the same on every runtime")
	case mode == "runtime-faults" && aboutClients(s.File):
		// An incident pair is about a client's configuration, the Java
		// client's twins about the client; the broker faults they use are
		// covered on every runtime by the other files.
		t.Skip("CHAOSRUN_SCENARIOS=runtime-faults: the scenario tests a client or its configuration, not the runtime's faults")
	}
	if mode != "" && mode != "all" && mode != "runtime-faults" {
		t.Fatalf("CHAOSRUN_SCENARIOS=%q: want all or runtime-faults", mode)
	}
	if s.Sink.Type == "postgres" && s.Sink.URL == "" {
		if _, err := pgserver.FindPostgres(); err != nil {
			if os.Getenv("CHAOSRUN_POSTGRES") == "required" {
				t.Fatalf("CHAOSRUN_POSTGRES=required: %v", err)
			}
			t.Skipf("the scenario's kitchen database is a PostgreSQL server, and none is installed here: %v", err)
		}
	}
	if opts.Runtime != runtimes.Auto {
		if err := runner.Unfit(s, opts.Runtime); err != nil {
			t.Skipf("cannot run on the %s runtime: %v", opts.Runtime, err)
		}
	}
	if _, _, err := runner.ChooseRuntime(context.Background(), s, opts); err != nil {
		if os.Getenv("CHAOSRUN_DOCKER") == "required" {
			t.Fatalf("no usable runtime, and CHAOSRUN_DOCKER=required: %v", err)
		}
		t.Skipf("no usable runtime here: %v", err)
	}
}

// resultsDir keeps result files where CI can upload them, or in a temp dir.
func resultsDir(t *testing.T) string {
	if d := os.Getenv("CHAOSRUN_RESULTS"); d != "" {
		return d
	}
	return t.TempDir()
}

func verdict(t *testing.T, res *result.Result, name string) bool {
	t.Helper()
	for _, v := range res.Assertions {
		if v.Name == name {
			return v.Passed
		}
	}
	t.Fatalf("no %s verdict in the result", name)
	return false
}

// checks are evidence tests beyond a scenario's expectation, by file.
var checks = map[string]func(*testing.T, *result.Result){
	"baseline.yaml": func(t *testing.T, res *result.Result) {
		if res.Counts.Acked < 20000 || res.Counts.LostKafka != 0 || res.Counts.LostConsumer != 0 {
			t.Errorf("baseline counts: %+v", res.Counts)
		}
	},
	"leader-kill-safe.yaml": func(t *testing.T, res *result.Result) {
		if res.Counts.Acked < 30000 {
			t.Errorf("want tens of thousands of acked records, got %d", res.Counts.Acked)
		}
		if len(res.Timeline) < 2 || res.Timeline[0].Action != result.ActionInject || res.Timeline[0].Error != "" {
			t.Errorf("the kill must be on the timeline, injected without error: %+v", res.Timeline)
		}
	},
	"broker-partition.yaml": func(t *testing.T, res *result.Result) {
		if res.Counts.Acked < 20000 {
			t.Errorf("want tens of thousands of acked records, got %d", res.Counts.Acked)
		}
	},
	"network-jitter.yaml": checkJitterVisible,
	"database-outage.yaml": func(t *testing.T, res *result.Result) {
		if len(res.Recoveries) != 1 || res.Recoveries[0].LagBack == nil || res.Counts.LostConsumer != 0 {
			t.Fatalf("the outage must be recovered from without loss: %+v %+v", res.Recoveries, res.Counts)
		}
		// The outage really reached the database: nothing was written, so lag built up.
		out := res.Recoveries[0]
		if peak := peakLag(res, out); peak < 300 {
			t.Errorf("lag peaked at %d offsets on a partition during the outage: it did not reach the database", peak)
		}
		// The consumer's write errors are on the timeline, within the outage.
		sinkErrs := 0
		for _, e := range res.ConsumerErrors {
			if strings.HasPrefix(e.Error, "sink: ") && e.First >= out.From.Sub(res.StartedAt).Seconds() &&
				e.Last <= out.To.Sub(res.StartedAt).Seconds()+1 {
				sinkErrs++
			}
		}
		if sinkErrs == 0 {
			t.Errorf("no sink error on the timeline within the outage: %+v", res.ConsumerErrors)
		}
	},
	"postgres-sink.yaml": func(t *testing.T, res *result.Result) {
		if !strings.Contains(res.KitchenDB, "server started for the run") || res.SinkOrders < 1000 {
			t.Errorf("want the run's own PostgreSQL server holding the orders: %q, %d orders", res.KitchenDB, res.SinkOrders)
		}
		// The lock held the writes: lag built while it lasted, and no write failed.
		if len(res.Recoveries) != 1 || res.Recoveries[0].LagBack == nil {
			t.Fatalf("want the lock's recovery: %+v", res.Recoveries)
		}
		if peak := peakLag(res, res.Recoveries[0]); peak < 500 {
			t.Errorf("lag peaked at %d offsets on a partition during the lock: the writes did not wait", peak)
		}
		for _, e := range res.ConsumerErrors {
			t.Errorf("a write waiting for the lock must not fail: %d× %s", e.Count, e.Error)
		}
	},
	"incidents/slow-database/broken.yaml": evidence("lag-bounded", "statements of 1.0 rows on average"),
	"incidents/slow-database/fixed.yaml": func(t *testing.T, res *result.Result) {
		// Fewer statements than rows: batches of ~2 rows while the database
		// is slow (50 events/s per worker at ~41 ms a write), single rows
		// while it is fast. Row by row (the broken side) is 1.0.
		if w := res.SinkWrites; w == nil || 4*w.Statements > 3*w.Rows {
			t.Errorf("want batched writes, at most 3 statements for 4 rows: %+v", w)
		}
	},
	"consumer-faults.yaml": func(t *testing.T, res *result.Result) {
		if len(res.Recoveries) != 3 || res.Group == nil || res.Group.Rebalances == 0 {
			t.Fatalf("want three faults with their recoveries and the group rebalancing: %+v %+v", res.Recoveries, res.Group)
		}
		// The slowdown really slowed the kitchen: lag built up while it lasted.
		slow := res.Recoveries[0]
		var peak int64
		for _, p := range res.Lag {
			if p.At.After(slow.From) && p.At.Before(slow.To.Add(time.Second)) {
				peak = max(peak, p.Offsets)
			}
		}
		if peak < 100 {
			t.Errorf("lag during consumer-slow peaked at %d offsets on a partition; the slowdown did not bite", peak)
		}
	},
	// Negative controls: configurations that really lose. The harness must
	// catch them, under the right assertion.
	"negative/auto-commit-crash.yaml": func(t *testing.T, res *result.Result) {
		if res.Counts.LostConsumer == 0 || verdict(t, res, "no-consumer-loss") {
			t.Errorf("consumer-level loss not detected: %+v", res.Counts)
		}
	},
	"negative/leader-kill-acks1.yaml": func(t *testing.T, res *result.Result) {
		if res.Counts.LostKafka == 0 || verdict(t, res, "no-kafka-loss") {
			t.Errorf("Kafka-level loss of acked records not detected: %+v", res.Counts)
		}
	},
	// The same negative controls on the Apache Kafka Java client.
	"negative/java/auto-commit-crash.yaml": func(t *testing.T, res *result.Result) {
		ranOnJava(t, res)
		if res.Counts.LostConsumer == 0 || verdict(t, res, "no-consumer-loss") {
			t.Errorf("consumer-level loss not detected on the Java client: %+v", res.Counts)
		}
	},
	"negative/java/leader-kill-acks1.yaml": func(t *testing.T, res *result.Result) {
		ranOnJava(t, res)
		if res.Counts.LostKafka == 0 || verdict(t, res, "no-kafka-loss") {
			t.Errorf("Kafka-level loss of acked records not detected on the Java client: %+v", res.Counts)
		}
	},
	// The outage with delivery.timeout.ms shorter than it, on both clients:
	// sends fail (unknown) at the timeout, nothing acked is lost, and each
	// client's own account of it is in the result.
	"clients/delivery-timeout/franz-go.yaml": func(t *testing.T, res *result.Result) {
		sendsFailed(t, res, "no ack within delivery.timeout.ms")
		if res.Workload.Client != "franz-go" {
			t.Errorf("the result names client %q", res.Workload.Client)
		}
	},
	"clients/delivery-timeout/java.yaml": func(t *testing.T, res *result.Result) {
		ranOnJava(t, res)
		sendsFailed(t, res, "java TimeoutException: Expiring N record(s)")
	},
	// Incident pairs (seeds 000, 001, 003): the broken side's evidence names
	// the cause; the fixed side shows the fix at work.
	"incidents/poison-record/broken.yaml":       evidence("no-stuck-partition", "undecodable payload"),
	"incidents/poison-record/fixed.yaml":        evidence("no-healthy-diverted", "(1 diverted in all, 1 poison sent)"),
	"incidents/duplicate-dead-loop/broken.yaml": evidence("no-stuck-partition", "UNIQUE constraint failed"),
	"incidents/first-event-failed/broken.yaml":  evidence("db-consistent", "missing from the kitchen database"),
	"incidents/replica-lag/broken.yaml":         evidence("db-consistent", "without all its dishes"),
	"incidents/replica-lag/fixed.yaml": func(t *testing.T, res *result.Result) {
		if res.OrderService["partial"] == 0 {
			t.Errorf("the replica was never behind: %v", res.OrderService)
		}
	},
	"incidents/pool-overload/broken.yaml": evidence("no-downstream-overload", "the kitchen runs up to 50 lookups at once"),
	// Seeds 001 and 002: load shape and loss by layer.
	"incidents/retention-expiry/broken.yaml": func(t *testing.T, res *result.Result) {
		evidence("no-retention-loss", "deleted unread")(t, res)
		if res.Counts.LostRetention == 0 || !verdict(t, res, "no-kafka-loss") {
			t.Errorf("retention's deletions must be no-retention-loss, not Kafka loss: %+v", res.Counts)
		}
	},
	"incidents/fire-and-forget/broken.yaml": func(t *testing.T, res *result.Result) {
		evidence("unconfirmed-lost", "never reached the log")(t, res)
		if res.Counts.LostUnconfirmed == 0 || res.Counts.Acked != 0 {
			t.Errorf("acks=0: nothing acked, some unconfirmed sends lost: %+v", res.Counts)
		}
	},
	"incidents/hot-merchant/broken.yaml":    evidence("lag-bounded", "acked records per partition"),
	"incidents/batch-flood/broken.yaml":     evidence("recovery", "flood 8000 records"),
	"incidents/rebalance-storm/broken.yaml": evidence("rebalances", "poll-timeout"),
	"incidents/misrouted-env/broken.yaml":   evidence("no-consumer-loss", "taken by env pre"),
	"incidents/misrouted-env/fixed.yaml":    evidence("no-consumer-loss", "a consumer of env pre refused"),
	"incidents/rebalance-storm/fixed.yaml": func(t *testing.T, res *result.Result) {
		// At most the restarted static leader's own rebalances (franz-go
		// rebalances when its fresh plan differs from the stored one), never
		// a poll timeout or a lost member: the broken side has ~17.
		if res.Group == nil || res.Group.Rebalances > 2 || len(res.Group.Changes) == 0 {
			t.Errorf("static members coming back, and a rolling restart, must not set off a storm: %+v", res.Group)
		}
		for _, c := range res.Group.Changes {
			if c.Kind == ledger.PollTimeout || c.Kind == ledger.Lost {
				t.Errorf("member %d: %s at t+%.1fs", c.Member, c.Kind, c.T)
			}
		}
	},
	// Seed 003's transactions: aborted reads, exactly-once output, and the
	// database a transaction does not cover.
	"incidents/read-uncommitted/broken.yaml": evidence("no-aborted-read", "processed: its transaction was aborted"),
	"incidents/read-uncommitted/fixed.yaml": func(t *testing.T, res *result.Result) {
		if res.Counts.Aborted < 500 || !faultRan(res, "producer-crash") {
			t.Errorf("want transactions aborted (a fifth, and the crashed one) and the producer crash on the timeline: %+v %+v", res.Counts, res.Timeline)
		}
	},
	"incidents/exactly-once-pipeline/broken.yaml": evidence("no-duplicate-output", "in output again"),
	"incidents/exactly-once-pipeline/fixed.yaml":  replayAbsorbed,
	"incidents/kitchen-db-replay/broken.yaml": func(t *testing.T, res *result.Result) {
		evidence("no-stuck-partition", "UNIQUE constraint failed")(t, res)
		if !verdict(t, res, "no-duplicate-output") {
			t.Errorf("the tickets topic must stay exactly-once: the replay is the database's alone")
		}
	},
	"incidents/kitchen-db-replay/fixed.yaml": func(t *testing.T, res *result.Result) {
		replayAbsorbed(t, res)
		if !faultRan(res, "broker-kill") {
			t.Errorf("the coordinator's broker was never killed: %+v", res.Timeline)
		}
	},
	"incidents/batch-flood/fixed.yaml": func(t *testing.T, res *result.Result) {
		if len(res.Phases) != 3 || res.Phases[1].Acked != 8000 || len(res.Recoveries) != 1 {
			t.Errorf("want 3 phases, the flood's 8000 records acked, and its recovery: %+v %+v", res.Phases, res.Recoveries)
		}
	},
}

// peakLag is the highest lag in offsets on any partition while rc lasted.
func peakLag(res *result.Result, rc result.Recovery) int64 {
	var peak int64
	for _, p := range res.Lag {
		if p.At.After(rc.From) && !p.At.After(rc.To) {
			peak = max(peak, p.Offsets)
		}
	}
	return peak
}

// evidence checks that the named verdict's summary, first ids or details
// mention want.
// replayAbsorbed: the crash made the kitchen process a batch again (the
// database saw it), yet the output topic holds one result of each event.
func replayAbsorbed(t *testing.T, res *result.Result) {
	t.Helper()
	if res.Counts.Duplicates == 0 {
		t.Errorf("no batch was processed twice: the member crash did not bite")
	}
	evidence("no-duplicate-output", "0 input records with more than one result")(t, res)
	evidence("no-lost-commit", "0 processed input records without a committed result")(t, res)
}

// faultRan says whether a fault of the type was injected.
// aboutClients says whether a shipped file is about a client rather than
// the cluster: an incident pair, a client comparison, a Java-client twin.
func aboutClients(file string) bool {
	f := filepath.ToSlash(file)
	return strings.HasPrefix(f, "incidents/") || strings.HasPrefix(f, "clients/") || strings.HasPrefix(f, "negative/java/")
}

// ranOnJava checks the result says the Java client ran.
func ranOnJava(t *testing.T, res *result.Result) {
	t.Helper()
	if !strings.HasPrefix(res.Workload.Client, "java ") {
		t.Errorf("the result names client %q, want the Java client", res.Workload.Client)
	}
}

// sendsFailed checks that the outage's sends failed (failed or unknown) with
// the client's error naming why, and that no acked record was lost.
func sendsFailed(t *testing.T, res *result.Result, why string) {
	t.Helper()
	if c := res.Counts; c.Failed+c.Unknown < 100 || c.LostKafka != 0 {
		t.Errorf("want sends failed by delivery.timeout.ms and no acked record lost: %+v", c)
	}
	for _, e := range res.ProducerErrors {
		if strings.Contains(e.Error, why) {
			return
		}
	}
	t.Errorf("no producer error mentions %q: %+v", why, res.ProducerErrors)
}

func faultRan(res *result.Result, fault string) bool {
	for _, e := range res.Timeline {
		if e.Fault == fault && e.Action == result.ActionInject {
			return true
		}
	}
	return false
}

func evidence(name, want string) func(*testing.T, *result.Result) {
	return func(t *testing.T, res *result.Result) {
		t.Helper()
		for _, v := range res.Assertions {
			if v.Name == name {
				all := v.Summary + "\n" + strings.Join(v.First, "\n") + "\n" + strings.Join(v.Details, "\n")
				if !strings.Contains(all, want) {
					t.Errorf("%s's evidence does not mention %q:\n%s", name, want, all)
				}
				return
			}
		}
		t.Errorf("no %s verdict", name)
	}
}

// checkJitterVisible compares the seconds under 100ms±50ms broker→client
// delay with the seconds after it healed, in the same run. Each ack under
// the toxic waited at least 50ms on the wire, whatever the brokers' own
// queueing; after the heal the fastest acks are fast again. So the median
// of the per-second minimum must be at least 45ms under the toxic and rise
// by at least 40ms over the seconds after the heal.
func checkJitterVisible(t *testing.T, res *result.Result) {
	inject, heal := res.Timeline[0].At, res.Timeline[1].At
	var during, after []float64
	for _, p := range res.AckSeries {
		switch {
		case p.At.After(inject.Add(2*time.Second)) && p.At.Before(heal.Add(-time.Second)):
			during = append(during, p.Min)
		case p.At.After(heal.Add(2 * time.Second)):
			after = append(after, p.Min)
		}
	}
	if len(during) < 10 || len(after) < 3 {
		t.Fatalf("too few seconds to compare: %d during, %d after", len(during), len(after))
	}
	d, a := median(during), median(after)
	t.Logf("median per-second fastest produce-ack: %.1fms under latency, %.1fms after heal", d, a)
	if d < 45 || d < a+40 {
		t.Errorf("injected latency not visible: fastest acks %.1fms under the toxic vs %.1fms after", d, a)
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
