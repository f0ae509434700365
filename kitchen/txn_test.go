package kitchen

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/drain"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
)

// txnRun is a run on kfake with transactions somewhere: producers, group,
// drains, judged by a real ledger.
type txnRun struct {
	producer []clientconf.Setting
	txn      *load.Transactions
	crashP   bool // crash producer 0 mid-transaction
	consumer []clientconf.Setting
	output   []clientconf.Setting // nil: no pipeline
	crashC   bool                 // crash member 0 between processing and commit
}

func (r txnRun) run(t *testing.T) assertions.Report {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "orders", "tickets"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	boot := kafkaconn.Local(c.ListenAddrs())
	id := orders.Identity{Run: "test-run", Env: "prod"}
	led := assertions.NewLedger(id.Run, id.Env, time.Now(), assertions.Criteria{})
	sink, err := kitchendb.OpenSQLite(filepath.Join(t.TempDir(), "kitchen.db"), kitchendb.ModeUpsert)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ccfg, bad := clientconf.ConsumerOptions(append(slices.Clone(r.consumer), clientconf.Setting{Key: "fetch.max.wait.ms", Value: "50"}))
	if bad != nil {
		t.Fatal(bad)
	}
	spec := ConsumeSpec{Topic: "orders", Group: "g", Instances: 2, Workers: 2, Identity: id, Config: ccfg,
		RetryBackoff: 50 * time.Millisecond}
	if r.output != nil {
		ocfg, bad := clientconf.ProducerOptions(r.output)
		if bad != nil {
			t.Fatal(bad)
		}
		spec.Output = &Output{Topic: "tickets", Config: ocfg}
	}
	group, err := StartGroup(boot, spec, sink, led)
	if err != nil {
		t.Fatal(err)
	}
	sampler, err := drain.NewLagSampler(boot, "orders", "g", led)
	if err != nil {
		t.Fatal(err)
	}
	defer sampler.Close()
	pcfg, bad := clientconf.ProducerOptions(r.producer)
	if bad != nil {
		t.Fatal(bad)
	}
	ps := load.ProduceSpec{Topic: "orders", Rate: 2000, Producers: 2, Duration: 1500 * time.Millisecond, Key: orders.KeyOrder,
		Merchants: 10, MessageSize: 100, Seed: 1, Identity: id, Config: pcfg, Transactions: r.txn}
	if r.txn != nil {
		ps.Crashes = load.NewProducerCrashes()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(600 * time.Millisecond)
		if r.crashP {
			if err := ps.Crashes.Crash(context.Background(), 0, 100*time.Millisecond); err != nil {
				t.Error(err)
			}
		}
		if r.crashC {
			if err := group.Crash(context.Background(), 0, true); err != nil {
				t.Error(err)
			}
			if err := group.Restart(0); err != nil {
				t.Error(err)
			}
		}
	}()
	if _, err := load.Produce(context.Background(), boot, ps, led); err != nil {
		t.Fatal(err)
	}
	<-done
	led.ProduceStopped(time.Now())
	for i := 0; i < 200; i++ {
		if behind, ok := sampler.Sample(context.Background()); ok && behind == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	group.Stop()
	if _, err := kitchendb.ReadBack(context.Background(), sink, led); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := drain.Drain(dctx, boot, "orders", id, led); err != nil {
		t.Fatal(err)
	}
	if r.output != nil {
		if err := drain.DrainOutput(dctx, boot, "tickets", id, led); err != nil {
			t.Fatal(err)
		}
	}
	return assertions.Verify(led, assertions.Criteria{})
}

var txnProducer = []clientconf.Setting{{Key: "transactional.id", Value: "orders-tx"}}

// load.Transactions commit or abort as a whole: what aborted (on purpose, or
// with the crashed producer) is never in the read_committed log, what
// committed all is, and a read_committed group reads none of the former.
func TestTransactionalProducerOnKfake(t *testing.T) {
	rep := txnRun{producer: txnProducer, txn: &load.Transactions{Records: 10, AbortRate: 0.3}, crashP: true,
		consumer: []clientconf.Setting{{Key: "isolation.level", Value: "read_committed"}}}.run(t)
	c := rep.Counts
	if c.Aborted < 300 || c.Acked < 1500 || c.Acked+c.Aborted != c.Sent || c.InLog != c.Acked || !rep.Passed() {
		t.Fatalf("counts %+v, failing %v", c, rep.Failing())
	}
}

// With read_uncommitted the group is handed the aborted records.
func TestReadUncommittedReadsAborted(t *testing.T) {
	rep := txnRun{producer: txnProducer, txn: &load.Transactions{Records: 10, AbortRate: 0.3},
		consumer: []clientconf.Setting{{Key: "isolation.level", Value: "read_uncommitted"}}}.run(t)
	if v := verdictOf(t, rep, "no-aborted-read"); v.Passed || v.Count < 300 {
		t.Fatalf("aborted reads not caught: %+v", v)
	}
}

// The transactional pipeline absorbs a member crash between processing and
// commit: the batch is processed again, its tickets are there once.
func TestTransactionalPipelineOnKfake(t *testing.T) {
	rep := txnRun{consumer: []clientconf.Setting{{Key: "isolation.level", Value: "read_committed"}},
		output: []clientconf.Setting{{Key: "transactional.id", Value: "kitchen-tx"}}, crashC: true}.run(t)
	if rep.Counts.Duplicates == 0 || !rep.Passed() {
		t.Fatalf("want a replay absorbed: counts %+v, failing %v", rep.Counts, rep.Failing())
	}
	if v := verdictOf(t, rep, "no-duplicate-output"); v.Summary == "no output topic in this run" {
		t.Fatalf("the output topic was not judged: %s", v.Summary)
	}
}

// Without transactions the same crash forwards the batch twice.
func TestPlainPipelineDuplicatesOutput(t *testing.T) {
	rep := txnRun{output: []clientconf.Setting{}, crashC: true}.run(t)
	if v := verdictOf(t, rep, "no-duplicate-output"); v.Passed {
		t.Fatalf("duplicate output not caught: %+v (counts %+v)", v, rep.Counts)
	}
	if v := verdictOf(t, rep, "no-lost-commit"); !v.Passed {
		t.Fatalf("at least once loses nothing: %+v", v)
	}
}
