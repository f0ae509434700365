package kitchendb_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/kitchendb/kitchendbtest"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

func TestLastPerOrderKeepsEachOrdersLastWriteInOrder(t *testing.T) {
	ev := func(order uint64, s ledger.Step) *ledger.Event {
		return &ledger.Event{Order: order, Step: s}
	}
	ws := []kitchendb.Write{{ev(1, ledger.StepCreated), 1}, {ev(2, ledger.StepCreated), 1}, {ev(1, ledger.StepPaid), 2}, {ev(3, ledger.StepCreated), 1}}
	got := kitchendb.LastPerOrder(ws)
	var ids []string
	for _, w := range got {
		ids = append(ids, strconv.FormatUint(w.Event.Order, 10)+":"+w.Event.Step.String())
	}
	if want := []string{"2:created", "1:paid", "3:created"}; !slices.Equal(ids, want) {
		t.Errorf("got %v, want %v", ids, want)
	}
}

func TestApplyBatchWritesEveryOrderAtItsLastStep(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		db := open(t, kitchendb.ModeUpsert)
		ctx := context.Background()
		var ws []kitchendb.Write
		for order := uint64(1); order <= 300; order++ {
			ws = append(ws, kitchendb.Write{&ledger.Event{Order: order, Step: ledger.StepCreated, Offset: int64(order)}, orders.Dishes(order)})
		}
		// Later steps of some orders in the same batch, and in a second one.
		ws = append(ws, kitchendb.Write{&ledger.Event{Order: 7, Step: ledger.StepPaid}, orders.Dishes(7)})
		if err := db.ApplyBatch(ctx, ws); err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyBatch(ctx, []kitchendb.Write{{&ledger.Event{Order: 7, Step: ledger.StepCompleted}, orders.Dishes(7)}, {&ledger.Event{Order: 8, Step: ledger.StepCancelled}, 0}}); err != nil {
			t.Fatal(err)
		}
		got := kitchendbtest.Rows(t, db)
		if len(got) != 300 || got[7].Step != ledger.StepCompleted || got[8].Step != ledger.StepCancelled || got[8].Dishes != 0 ||
			got[300].Step != ledger.StepCreated || got[300].Dishes != orders.Dishes(300) {
			t.Errorf("%d rows; 7: %+v, 8: %+v, 300: %+v", len(got), got[7], got[8], got[300])
		}
		if err := open(t, kitchendb.ModeInsert).ApplyBatch(ctx, ws[:1]); err == nil || !strings.Contains(err.Error(), "upsert") {
			t.Errorf("insert mode batched: %v, want refused", err)
		}
	})
}

// db-lock's lock really holds the kitchen's writes until it is released.
func TestPostgresLockTableHoldsWrites(t *testing.T) {
	pg := kitchendbtest.PostgresOrSkip(t)
	db, err := kitchendb.OpenPostgres(context.Background(), pg.URL("kitchen"), "", kitchendbtest.Schema("t"), kitchendb.ModeUpsert, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.LockTable(ctx, "orders", "EXCLUSIVE; DROP TABLE orders"); err == nil {
		t.Fatal("a mode outside LOCK TABLE's was taken")
	}
	release, err := db.LockTable(ctx, "orders", "EXCLUSIVE")
	if err != nil {
		t.Fatal(err)
	}
	e := &ledger.Event{Order: 1, Step: ledger.StepCreated}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err = db.Apply(short, e, 1)
	cancel()
	if err == nil {
		t.Fatal("a write went through the lock")
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := db.Apply(ctx, e, 1); err != nil {
		t.Fatalf("write after the release: %v", err)
	}
}
