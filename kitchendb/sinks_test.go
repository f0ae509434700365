package kitchendb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/kitchendb/kitchendbtest"
	"github.com/chaosrun/chaosrun/ledger"
)

func TestMain(m *testing.M) { kitchendbtest.Main(m) }

// Upserts one kitchen database takes, from 16 writers at once (a group's
// workers): row by row, and batched 100 rows a statement (sink.batch). One
// op is one row: go test -run '^$' -bench SinkApply ./kitchendb/
func BenchmarkSinkApply(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", name, batch), func(b *testing.B) {
				db := openForBench(b, name)
				var next atomic.Uint64
				b.SetParallelism(8) // 8×GOMAXPROCS writers
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					ws := make([]kitchendb.Write, 0, batch)
					evs := make([]ledger.Event, batch)
					flush := func() bool {
						err := db.ApplyBatch(context.Background(), ws)
						ws = ws[:0]
						if err != nil {
							b.Error(err)
						}
						return err == nil
					}
					for pb.Next() {
						order := next.Add(1)
						if batch == 1 {
							e := ledger.Event{Order: order, Step: ledger.StepCreated}
							if err := db.Apply(context.Background(), &e, 3); err != nil {
								b.Error(err)
								return
							}
							continue
						}
						evs[len(ws)] = ledger.Event{Order: order, Step: ledger.StepCreated}
						ws = append(ws, kitchendb.Write{Event: &evs[len(ws)], Dishes: 3})
						if len(ws) == batch && !flush() {
							return
						}
					}
					if len(ws) > 0 {
						flush()
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

func openForBench(b *testing.B, name string) kitchendb.KitchenDB {
	var db kitchendb.KitchenDB
	var err error
	switch name {
	case "sqlite":
		db, err = kitchendb.OpenSQLite(filepath.Join(b.TempDir(), "k.db"), kitchendb.ModeUpsert)
	case "postgres":
		pg, perr := kitchendbtest.Postgres()
		if perr != nil {
			b.Skip(perr)
		}
		db, err = kitchendb.OpenPostgres(context.Background(), pg.URL("kitchen"), "", kitchendbtest.Schema("b"), kitchendb.ModeUpsert, 18, true)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func TestRedactURLError(t *testing.T) {
	got := kitchendb.RedactURLError(fmt.Errorf("cannot parse `postgres://kitchen:s3cret@db:5432/k`: bad port"))
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "postgres://kitchen:xxxxx@db:5432/k") {
		t.Errorf("redacted: %s", got)
	}
}
