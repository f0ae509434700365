package drain

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/kafkaconn"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// retained records the drain's reports; its first DrainEnd plays retention,
// deleting the whole partition after the drain took its bounds.
type retained struct {
	adm     *kadm.Client
	deleted bool
	starts  map[int32]int64
	drained int
}

func (r *retained) Drained(*ledger.Event)               { r.drained++ }
func (r *retained) DrainedForeign(int32, int64, string) { r.drained++ }
func (r *retained) DrainEnd(p int32, start, end int64) {
	r.starts[p] = start
	if !r.deleted {
		r.deleted = true
		var all kadm.Offsets
		all.Add(kadm.Offset{Topic: "orders", Partition: 0, At: end})
		if _, err := r.adm.DeleteRecords(context.Background(), all); err != nil {
			panic(err)
		}
	}
}

// A drain whose partition retention empties while it reads ends, and the
// ledger learns the log start it ended with: the records are retention's,
// not lost by Kafka. Without the recheck the drain waits for a record that
// no longer exists until its deadline.
func TestDrainEndsWhenRetentionEmptiesAPartition(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for range 10 {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	out := &retained{adm: kadm.NewClient(cl), starts: map[int32]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = Drain(ctx, kafkaconn.Local(c.ListenAddrs()), "orders", orders.Identity{Run: "r", Env: "prod"}, out)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	if !out.deleted || out.starts[0] != 10 || out.drained != 0 {
		t.Fatalf("deleted %v, log start told %d (want 10), drained %d (want 0)", out.deleted, out.starts[0], out.drained)
	}
}
