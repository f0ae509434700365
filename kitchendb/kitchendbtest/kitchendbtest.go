// Package kitchendbtest runs tests against every kitchen database: SQLite
// always, PostgreSQL when the machine has it (required when
// CHAOSRUN_POSTGRES=required, as CI sets it). One PostgreSQL server serves a
// test binary, each test in a schema of its own. It imports kitchendb and
// pgserver (for the server); only tests import it.
package kitchendbtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/pgserver"
)

var testPG struct {
	once   sync.Once
	server *pgserver.PostgresServer
	root   string
	err    error
	next   atomic.Int64
}

// Postgres is the test binary's PostgreSQL server, started on first use.
func Postgres() (*pgserver.PostgresServer, error) {
	testPG.once.Do(func() {
		if _, err := pgserver.FindPostgres(); err != nil {
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
		testPG.server, testPG.err = pgserver.StartPostgres(context.Background(), root, "sinktest", "kitchen", nil)
	})
	return testPG.server, testPG.err
}

// Schema is a schema name no other test of this binary uses.
func Schema(prefix string) string { return fmt.Sprintf("%s%d", prefix, testPG.next.Add(1)) }

// Main runs the tests, then stops the server if one was started.
func Main(m *testing.M) {
	code := m.Run()
	if testPG.server != nil {
		testPG.server.Close()
	}
	if testPG.root != "" {
		os.RemoveAll(testPG.root)
	}
	os.Exit(code)
}

// PostgresOrSkip is the server, or skips t without one (fails it where
// PostgreSQL is required).
func PostgresOrSkip(t *testing.T) *pgserver.PostgresServer {
	t.Helper()
	pg, err := Postgres()
	if err != nil {
		if os.Getenv("CHAOSRUN_POSTGRES") == "required" {
			t.Fatalf("CHAOSRUN_POSTGRES=required: %v", err)
		}
		t.Skipf("no PostgreSQL here: %v", err)
	}
	return pg
}

// Opener opens a fresh kitchen database of one kind for t.
type Opener func(t *testing.T, mode string) kitchendb.KitchenDB

type sinkUnderTest struct {
	name string
	open Opener
}

func sinksUnderTest(t *testing.T) []sinkUnderTest {
	t.Helper()
	out := []sinkUnderTest{{"sqlite", func(t *testing.T, mode string) kitchendb.KitchenDB {
		db, err := kitchendb.OpenSQLite(filepath.Join(t.TempDir(), "k.db"), mode)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}}}
	pg, err := Postgres()
	if err != nil {
		if os.Getenv("CHAOSRUN_POSTGRES") == "required" {
			t.Fatalf("CHAOSRUN_POSTGRES=required: %v", err)
		}
		t.Logf("postgres sink not tested here: %v", err)
		return out
	}
	return append(out, sinkUnderTest{"postgres", func(t *testing.T, mode string) kitchendb.KitchenDB {
		db, err := kitchendb.OpenPostgres(context.Background(), pg.URL("kitchen"), "", Schema("t"), mode, 4, true)
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

// Each runs test once per kitchen database.
func Each(t *testing.T, test func(t *testing.T, open func(t *testing.T, mode string) kitchendb.KitchenDB)) {
	for _, s := range sinksUnderTest(t) {
		t.Run(s.name, func(t *testing.T) { test(t, s.open) })
	}
}

// Rows reads db's order rows by order id.
func Rows(t *testing.T, db kitchendb.KitchenDB) map[uint64]kitchendb.Row {
	t.Helper()
	out := map[uint64]kitchendb.Row{}
	if err := db.Each(context.Background(), func(r kitchendb.Row) { out[r.Order] = r }); err != nil {
		t.Fatal(err)
	}
	return out
}
