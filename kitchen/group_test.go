package kitchen

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/clientconf"
	"github.com/chaosrun/chaosrun/drain"
	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/load"
	"github.com/chaosrun/chaosrun/orders"
)

// fill starts a kfake cluster holding n records of env prod on topic
// "orders" (2 partitions) and returns its addresses and the ledger.
func fill(t *testing.T, n int) (kafkaconn.Conn, *ledger.Ledger) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	boot := kafkaconn.Local(c.ListenAddrs())
	id := orders.Identity{Run: "test-run", Env: "prod"}
	led := assertions.NewLedger(id.Run, id.Env, time.Now(), assertions.Criteria{})
	pcfg, _ := clientconf.ProducerOptions(nil)
	_, err = load.Produce(context.Background(), boot, load.ProduceSpec{Topic: "orders", Phases: []load.Phase{{Kind: load.Flood, Records: int64(n)}},
		Producers: 1, Key: orders.KeyOrder, Merchants: 10, MessageSize: 64, Seed: 1, Identity: id, Config: pcfg}, led)
	if err != nil {
		t.Fatal(err)
	}
	if c := assertions.Verify(led, assertions.Criteria{}).Counts; c.Acked != int64(n) {
		t.Fatalf("filling the topic: %+v", c)
	}
	return boot, led
}

func committed(t *testing.T, boot kafkaconn.Conn, group string) int64 {
	t.Helper()
	cl, err := boot.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		return 0 // the group does not exist yet
	}
	var total int64
	offs.Each(func(o kadm.OffsetResponse) { total += max(o.At, 0) })
	return total
}

// waitLong polls cond for up to twenty seconds: group joins take a while.
func waitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// A pre consumer in prod's group skips prod's records and commits past
// them; the ledger learns which it took.
func TestForeignConsumerTakesRecords(t *testing.T) {
	boot, led := fill(t, 200)
	cfg, _ := clientconf.ConsumerOptions([]clientconf.Setting{{Key: "fetch.max.wait.ms", Value: "50"}})
	f, err := StartForeign(boot, ForeignSpec{Env: "pre", Topic: "orders", Group: "g", Config: cfg}, led)
	if err != nil {
		t.Fatal(err)
	}
	waitLong(t, "the pre consumer to commit past every record", func() bool { return committed(t, boot, "g") == 200 })
	f.Stop()
	if err := drain.Drain(context.Background(), boot, "orders", orders.Identity{Run: "test-run", Env: "prod"}, led); err != nil {
		t.Fatal(err)
	}
	rep := assertions.Verify(led, assertions.Criteria{})
	v := verdictOf(t, rep, "no-consumer-loss")
	if v.Count != 200 || !strings.Contains(strings.Join(v.First, " "), "taken by env pre") {
		t.Errorf("no-consumer-loss = %+v", v)
	}
}

// With the header guard it refuses them and commits nothing.
func TestForeignConsumerGuardRefuses(t *testing.T) {
	boot, led := fill(t, 50)
	cfg, _ := clientconf.ConsumerOptions([]clientconf.Setting{{Key: "fetch.max.wait.ms", Value: "50"}})
	f, err := StartForeign(boot, ForeignSpec{Env: "pre", Topic: "orders", Group: "g", Guard: true, Config: cfg}, led)
	if err != nil {
		t.Fatal(err)
	}
	waitLong(t, "a refusal", func() bool {
		return strings.Contains(strings.Join(verdictOf(t, assertions.Verify(led, assertions.Criteria{}), "no-consumer-loss").Details, " "), "refused")
	})
	time.Sleep(300 * time.Millisecond)
	errs := f.Stop()
	if n := committed(t, boot, "g"); n != 0 {
		t.Errorf("the guard committed %d offsets", n)
	}
	if len(errs) != 1 {
		t.Errorf("errors %v", errs)
	}
}

// A member whose poll takes longer than max.poll.interval.ms is out of the
// group: its batch's commit is refused, it says so, and it rejoins.
func TestPollTimeoutLeavesAndRejoins(t *testing.T) {
	boot, led := fill(t, 300)
	sink, err := kitchendb.OpenSQLite(filepath.Join(t.TempDir(), "kitchen.db"), kitchendb.ModeUpsert)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	cfg, bad := clientconf.ConsumerOptions([]clientconf.Setting{{Key: "fetch.max.wait.ms", Value: "50"}, {Key: "max.poll.interval.ms", Value: "200"},
		{Key: "max.poll.records", Value: "100"}})
	if bad != nil {
		t.Fatal(bad)
	}
	group, err := StartGroup(boot, ConsumeSpec{Topic: "orders", Group: "g", Instances: 1, Workers: 1,
		ProcessingTime: 5 * time.Millisecond, Identity: orders.Identity{Run: "test-run", Env: "prod"}, Config: cfg}, sink, led)
	if err != nil {
		t.Fatal(err)
	}
	waitLong(t, "two poll timeouts", func() bool { return group.Errors()[errPollTimeout.Error()] >= 2 })
	group.Slow(time.Microsecond) // now polls finish in time
	waitLong(t, "the backlog committed", func() bool { return committed(t, boot, "g") == 300 })
	group.Stop()
	rep := assertions.Verify(led, assertions.Criteria{})
	var timeouts, assigned int
	for _, c := range rep.Group.Changes {
		switch c.Kind {
		case ledger.PollTimeout:
			timeouts++
		case ledger.Assigned:
			assigned++
		}
	}
	if timeouts < 2 || assigned < 3 {
		t.Errorf("want the poll timeouts and the rejoins on the timeline: %+v", rep.Group.Changes)
	}
	if rep.Counts.Duplicates == 0 {
		t.Error("a refused commit must mean the batch is processed again")
	}
}

func verdictOf(t *testing.T, r assertions.Report, name string) assertions.Verdict {
	t.Helper()
	for _, v := range r.Verdicts {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no verdict %s", name)
	return assertions.Verdict{}
}
