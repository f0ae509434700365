package workloads

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/ledger"
)

// Every kitchen database runs the same tests: SQLite always, PostgreSQL
// when the machine has it (required when CHAOSRUN_POSTGRES=required, as CI
// sets it). One PostgreSQL server serves the package's tests, each test in
// a schema of its own.

type sinkUnderTest struct {
	name string
	open func(t *testing.T, mode string) KitchenDB
}

var testPG struct {
	once   sync.Once
	server *harness.PostgresServer
	root   string
	err    error
	next   atomic.Int64
}

func postgresForTests() (*harness.PostgresServer, error) {
	testPG.once.Do(func() {
		if _, err := harness.FindPostgres(); err != nil {
			testPG.err = err
			return
		}
		root, err := os.MkdirTemp("", "chaosrun-sinktest-")
		if err != nil {
			testPG.err = err
			return
		}
		os.Chmod(root, 0o755) // the server runs as an unprivileged user when we are root
		testPG.root = root
		testPG.server, testPG.err = harness.StartPostgres(context.Background(), root, "sinktest", "kitchen", nil)
	})
	return testPG.server, testPG.err
}

func sinksUnderTest(t *testing.T) []sinkUnderTest {
	t.Helper()
	out := []sinkUnderTest{{"sqlite", func(t *testing.T, mode string) KitchenDB {
		db, err := OpenSQLite(filepath.Join(t.TempDir(), "k.db"), mode)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}}}
	pg, err := postgresForTests()
	if err != nil {
		if os.Getenv("CHAOSRUN_POSTGRES") == "required" {
			t.Fatalf("CHAOSRUN_POSTGRES=required: %v", err)
		}
		t.Logf("postgres sink not tested here: %v", err)
		return out
	}
	return append(out, sinkUnderTest{"postgres", func(t *testing.T, mode string) KitchenDB {
		schema := fmt.Sprintf("t%d", testPG.next.Add(1))
		db, err := OpenPostgres(context.Background(), pg.URL("kitchen"), "", schema, mode, 4, true)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		})
		return db
	}})
}

// eachSink runs test once per kitchen database.
func eachSink(t *testing.T, test func(t *testing.T, open func(t *testing.T, mode string) KitchenDB)) {
	for _, s := range sinksUnderTest(t) {
		t.Run(s.name, func(t *testing.T) { test(t, s.open) })
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testPG.server != nil {
		testPG.server.Close()
	}
	if testPG.root != "" {
		os.RemoveAll(testPG.root)
	}
	os.Exit(code)
}

// Upserts one kitchen database takes, from 16 writers at once (a group's
// workers): row by row, and batched 100 rows a statement (sink.batch). One
// op is one row: go test -run '^$' -bench SinkApply ./workloads/
func BenchmarkSinkApply(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", name, batch), func(b *testing.B) {
				db := openForBench(b, name)
				var next atomic.Uint64
				b.SetParallelism(8) // 8×GOMAXPROCS writers
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					ws := make([]Write, 0, batch)
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
						ws = append(ws, Write{Event: &evs[len(ws)], Dishes: 3})
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

func openForBench(b *testing.B, name string) KitchenDB {
	var db KitchenDB
	var err error
	switch name {
	case "sqlite":
		db, err = OpenSQLite(filepath.Join(b.TempDir(), "k.db"), ModeUpsert)
	case "postgres":
		pg, perr := postgresForTests()
		if perr != nil {
			b.Skip(perr)
		}
		db, err = OpenPostgres(context.Background(), pg.URL("kitchen"), "", fmt.Sprintf("b%d", testPG.next.Add(1)), ModeUpsert, 18, true)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func TestRedactURLError(t *testing.T) {
	got := redactURLError(fmt.Errorf("cannot parse `postgres://kitchen:s3cret@db:5432/k`: bad port"))
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "postgres://kitchen:xxxxx@db:5432/k") {
		t.Errorf("redacted: %s", got)
	}
}
