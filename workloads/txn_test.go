package workloads

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/kafkaconn"
)

// txnRun is a run on kfake with transactions somewhere: producers, group,
// drains, judged by a real ledger.
type txnRun struct {
	producer []Setting
	txn      *Transactions
	crashP   bool // crash producer 0 mid-transaction
	consumer []Setting
	output   []Setting // nil: no pipeline
	crashC   bool      // crash member 0 between processing and commit
}

func (r txnRun) run(t *testing.T) assertions.Report {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "orders", "tickets"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	boot := kafkaconn.Local(c.ListenAddrs())
	id := Identity{Run: "test-run", Env: "prod"}
	ledger := assertions.NewLedger(id.Run, id.Env, time.Now(), assertions.Criteria{})
	sink, err := OpenSQLite(filepath.Join(t.TempDir(), "kitchen.db"), ModeUpsert)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ccfg, err := ConsumerOptions(append(slices.Clone(r.consumer), Setting{"fetch.max.wait.ms", "50"}))
	if err != nil {
		t.Fatal(err)
	}
	spec := ConsumeSpec{Topic: "orders", Group: "g", Instances: 2, Workers: 2, Identity: id, Config: ccfg,
		RetryBackoff: 50 * time.Millisecond}
	if r.output != nil {
		ocfg, err := ProducerOptions(r.output)
		if err != nil {
			t.Fatal(err)
		}
		spec.Output = &Output{Topic: "tickets", Config: ocfg}
	}
	group, err := StartGroup(boot, spec, sink, ledger)
	if err != nil {
		t.Fatal(err)
	}
	sampler, err := NewLagSampler(boot, "orders", "g", ledger)
	if err != nil {
		t.Fatal(err)
	}
	defer sampler.Close()
	pcfg, err := ProducerOptions(r.producer)
	if err != nil {
		t.Fatal(err)
	}
	ps := ProduceSpec{Topic: "orders", Rate: 2000, Producers: 2, Duration: 1500 * time.Millisecond, Key: KeyOrder,
		Merchants: 10, MessageSize: 100, Seed: 1, Identity: id, Config: pcfg, Transactions: r.txn}
	if r.txn != nil {
		ps.Crashes = NewProducerCrashes()
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
	if _, err := Produce(context.Background(), boot, ps, ledger); err != nil {
		t.Fatal(err)
	}
	<-done
	ledger.ProduceStopped(time.Now())
	for i := 0; i < 200; i++ {
		if behind, ok := sampler.Sample(context.Background()); ok && behind == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	group.Stop()
	if _, err := ReadBack(context.Background(), sink, ledger); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := Drain(dctx, boot, "orders", id, ledger); err != nil {
		t.Fatal(err)
	}
	if r.output != nil {
		if err := DrainOutput(dctx, boot, "tickets", id, ledger); err != nil {
			t.Fatal(err)
		}
	}
	return assertions.Verify(ledger, assertions.Criteria{})
}

var txnProducer = []Setting{{"transactional.id", "orders-tx"}}

// Transactions commit or abort as a whole: what aborted (on purpose, or
// with the crashed producer) is never in the read_committed log, what
// committed all is, and a read_committed group reads none of the former.
func TestTransactionalProducerOnKfake(t *testing.T) {
	rep := txnRun{producer: txnProducer, txn: &Transactions{Records: 10, AbortRate: 0.3}, crashP: true,
		consumer: []Setting{{"isolation.level", "read_committed"}}}.run(t)
	c := rep.Counts
	if c.Aborted < 300 || c.Acked < 1500 || c.Acked+c.Aborted != c.Sent || c.InLog != c.Acked || !rep.Passed() {
		t.Fatalf("counts %+v, failing %v", c, rep.Failing())
	}
}

// With read_uncommitted the group is handed the aborted records.
func TestReadUncommittedReadsAborted(t *testing.T) {
	rep := txnRun{producer: txnProducer, txn: &Transactions{Records: 10, AbortRate: 0.3},
		consumer: []Setting{{"isolation.level", "read_uncommitted"}}}.run(t)
	if v := verdictOf(t, rep, "no-aborted-read"); v.Passed || v.Count < 300 {
		t.Fatalf("aborted reads not caught: %+v", v)
	}
}

// The transactional pipeline absorbs a member crash between processing and
// commit: the batch is processed again, its tickets are there once.
func TestTransactionalPipelineOnKfake(t *testing.T) {
	rep := txnRun{consumer: []Setting{{"isolation.level", "read_committed"}},
		output: []Setting{{"transactional.id", "kitchen-tx"}}, crashC: true}.run(t)
	if rep.Counts.Duplicates == 0 || !rep.Passed() {
		t.Fatalf("want a replay absorbed: counts %+v, failing %v", rep.Counts, rep.Failing())
	}
	if v := verdictOf(t, rep, "no-duplicate-output"); v.Summary == "no output topic in this run" {
		t.Fatalf("the output topic was not judged: %s", v.Summary)
	}
}

// Without transactions the same crash forwards the batch twice.
func TestPlainPipelineDuplicatesOutput(t *testing.T) {
	rep := txnRun{output: []Setting{}, crashC: true}.run(t)
	if v := verdictOf(t, rep, "no-duplicate-output"); v.Passed {
		t.Fatalf("duplicate output not caught: %+v (counts %+v)", v, rep.Counts)
	}
	if v := verdictOf(t, rep, "no-lost-commit"); !v.Passed {
		t.Fatalf("at least once loses nothing: %+v", v)
	}
}

// A transaction's send results are kept without allocating per record.
func TestTxnPromiseDoesNotAllocate(t *testing.T) {
	p := &producer{txn: newTxnState(Transactions{Records: 100}, 1, 0), errs: newErrorTally()}
	b := &eventBuf{value: make([]byte, 0, 300)}
	allocs := testing.AllocsPerRun(1000, func() {
		if len(p.txn.pending) == cap(p.txn.pending) {
			p.txn.pending = p.txn.pending[:0] // a transaction's end
		}
		p.txnPromise(&b.rec, nil) // puts b back in the pool; the test keeps using it
	})
	if allocs != 0 {
		t.Errorf("txnPromise allocates %.1f times per record", allocs)
	}
}
