package kitchen

import (
	"context"
	"path/filepath"
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

// The whole client path on kfake (no JVM): producers → group → sink, lag
// sampling, then the drain, judged by a real ledger.
func runPipeline(t *testing.T, consumer []clientconf.Setting, crash bool) assertions.Report {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	boot := kafkaconn.Local(c.ListenAddrs())
	id := orders.Identity{Run: "test-run", Env: "prod"}
	start := time.Now()
	led := assertions.NewLedger(id.Run, id.Env, start, assertions.Criteria{})

	sink, err := kitchendb.OpenSQLite(filepath.Join(t.TempDir(), "kitchen.db"), kitchendb.ModeUpsert)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ccfg, bad := clientconf.ConsumerOptions(append(consumer, clientconf.Setting{Key: "fetch.max.wait.ms", Value: "50"}))
	if bad != nil {
		t.Fatal(bad)
	}
	group, err := StartGroup(boot, ConsumeSpec{Topic: "orders", Group: "g", Instances: 2, Workers: 3,
		ProcessingTime: 200 * time.Microsecond, Identity: id, Config: ccfg}, sink, led)
	if err != nil {
		t.Fatal(err)
	}
	sampler, err := drain.NewLagSampler(boot, "orders", "g", led)
	if err != nil {
		t.Fatal(err)
	}
	defer sampler.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go sampler.Run(ctx, 100*time.Millisecond)
	if crash {
		go func() {
			// A slow kitchen first: polled records queue up unprocessed,
			// as they do in production when processing falls behind.
			time.Sleep(300 * time.Millisecond)
			group.Slow(10 * time.Millisecond)
			time.Sleep(400 * time.Millisecond)
			if err := group.Crash(context.Background(), 0, false); err != nil {
				t.Error(err)
			}
			group.Slow(0)
			if err := group.Restart(0); err != nil {
				t.Error(err)
			}
		}()
	}
	pcfg, _ := clientconf.ProducerOptions(nil)
	_, err = load.Produce(context.Background(), boot, load.ProduceSpec{Topic: "orders", Rate: 2000, Producers: 2,
		Duration: 1500 * time.Millisecond, Key: orders.KeyOrder, Merchants: 10, MessageSize: 100, Seed: 1,
		Identity: id, Config: pcfg}, led)
	if err != nil {
		t.Fatal(err)
	}
	led.ProduceStopped(time.Now())
	cancel()
	for i := 0; i < 100; i++ {
		if behind, ok := sampler.Sample(context.Background()); ok && behind == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	group.Stop()
	if _, err := kitchendb.ReadBack(context.Background(), sink, led); err != nil {
		t.Fatal(err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	if err := drain.Drain(dctx, boot, "orders", id, led); err != nil {
		t.Fatal(err)
	}
	return assertions.Verify(led, assertions.Criteria{})
}

func TestPipelineOnKfakeLosesNothing(t *testing.T) {
	rep := runPipeline(t, nil, false)
	if rep.Counts.Acked < 2500 || rep.Counts.Processed != rep.Counts.Acked || !rep.Passed() {
		t.Fatalf("counts %+v, failing %v", rep.Counts, rep.Failing())
	}
}

// A crash in the default mode re-delivers (duplicates at most); never loses.
func TestPipelineCrashCommitAfterProcessing(t *testing.T) {
	rep := runPipeline(t, nil, true)
	if rep.Counts.LostConsumer != 0 {
		t.Fatalf("commit-after-processing lost %d records: %v", rep.Counts.LostConsumer, rep.Failing())
	}
}

// The naive mode commits what was polled on an interval, processed or not:
// what the crashed member had queued and committed is lost.
func TestPipelineCrashNaiveModeLoses(t *testing.T) {
	rep := runPipeline(t, []clientconf.Setting{{Key: "enable.auto.commit", Value: "true"}, {Key: "auto.commit.interval.ms", Value: "100"}}, true)
	if rep.Counts.LostConsumer == 0 {
		t.Fatalf("the naive mode lost nothing on a crash: %+v", rep.Counts)
	}
}
