package kitchen

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/kitchendb/kitchendbtest"
	"github.com/chaosrun/chaosrun/ledger"
)

// failingBatches fails the first n batched writes, as a database that is
// away does, and passes everything else through.
type failingBatches struct {
	kitchendb.KitchenDB
	n atomic.Int64
}

func (f *failingBatches) ApplyBatch(ctx context.Context, ws []kitchendb.Write) error {
	if f.n.Add(-1) >= 0 {
		return errors.New("connection refused")
	}
	return f.KitchenDB.ApplyBatch(ctx, ws)
}

// A poison record in the middle of a batch is handled under its policy
// in its turn; the rows before and after it are written together.
func TestHandleBatchHandlesAFailureInItsTurn(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		k, j, db := newKitchen(t, open, kitchendb.ModeUpsert, ConsumeSpec{OnFailure: Skip})
		ctx := context.Background()
		its := []*item{step(1, ledger.StepCreated, 0), step(2, ledger.StepCreated, 1),
			poisoned(step(3, ledger.StepCreated, 2)), step(1, ledger.StepPaid, 3)}
		if !k.handleBatch(ctx, ctx, its, noDLQ) {
			t.Fatal("abandoned")
		}
		want := []string{"processed created", "processed created", "skipped created", "processed paid"}
		if got := j.got(); !slices.Equal(got, want) {
			t.Errorf("journal %q, want %q", got, want)
		}
		r := kitchendbtest.Rows(t, db)
		if len(r) != 2 || r[1].Step != ledger.StepPaid {
			t.Errorf("rows %+v", r)
		}
		if w := k.writes.snapshot(); w.Statements != 2 || w.Rows != 3 || w.Latency.TotalCount() != 2 {
			t.Errorf("writes: %d statements, %d rows, %d timed; want 2, 3, 2", w.Statements, w.Rows, w.Latency.TotalCount())
		}
	})
}

// A batched write that fails is counted once; its events are then written
// one by one under the policy: once the database answers again they land
// without a failure of their own.
func TestHandleBatchRetriesAFailedWriteOneByOne(t *testing.T) {
	kitchendbtest.Each(t, func(t *testing.T, open func(*testing.T, string) kitchendb.KitchenDB) {
		k, j, db := newKitchen(t, open, kitchendb.ModeUpsert, ConsumeSpec{OnFailure: Skip})
		fb := &failingBatches{KitchenDB: db}
		fb.n.Store(1)
		k.db = fb
		ctx := context.Background()
		its := []*item{step(1, ledger.StepCreated, 0), step(2, ledger.StepCreated, 1)}
		if !k.handleBatch(ctx, ctx, its, noDLQ) {
			t.Fatal("abandoned")
		}
		if got := j.got(); !slices.Equal(got, []string{"processed created", "processed created"}) || len(j.failures) != 0 {
			t.Errorf("journal %q, failures %q: a skip policy must not divert events the database took on their own", got, j.failures)
		}
		if errs := k.errs.Snapshot(); len(errs) != 1 || errs["sink: batch of 2: connection refused"] != 1 {
			t.Errorf("error tally %v", errs)
		}
		if len(kitchendbtest.Rows(t, db)) != 2 {
			t.Errorf("rows %+v", kitchendbtest.Rows(t, db))
		}
	})
}
