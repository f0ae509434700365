package kitchendb

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/orders"
)

// KitchenDB is the kitchen display's database as a run uses it: the rows
// the consumer writes, its retry table, read back at the end.
type KitchenDB interface {
	Sink
	RetryTable
	// Each calls fn for every order row, for db-consistent.
	Each(ctx context.Context, fn func(Row)) error
	// Rows counts the orders stored, for the summary.
	Rows(ctx context.Context) (int64, error)
	Close() error
}

// RetryTable parks events that failed, and the later events of their order
// behind them, until an asynchronous retrier applies them (seed 001).
type RetryTable interface {
	Park(ctx context.Context, e *ledger.Event, value []byte, err error, next time.Time) error
	Due(ctx context.Context, now time.Time, limit int) ([]ParkedEvent, error)
	ParkedOf(ctx context.Context, order uint64) ([]ParkedEvent, error)
	Retried(ctx context.Context, id int64, err error, next time.Time) error
	Unpark(ctx context.Context, id int64) error
	GiveUp(ctx context.Context, order uint64) error
}

// SinkOptions configure a kitchen database.
type SinkOptions struct {
	Mode string // ModeUpsert or ModeInsert
	// For a database server (SinkKind.Server): where to connect, the schema
	// to use, the pool size, and whether to drop the schema at the end.
	URL    string
	Dial   string // where connections really go (the run's proxy)
	Schema string
	Conns  int
	Drop   bool
}

// SinkKind is one kind of kitchen database.
type SinkKind struct {
	Name string
	// Server: the database is a server reached over the network (the runner
	// starts one, or the scenario names one by URL), through its own proxy.
	Server bool
	// Open creates the database for one run; dir is the run's own
	// directory, removed when the run ends.
	Open func(ctx context.Context, dir string, o SinkOptions) (KitchenDB, error)
}

// sinkKinds is the registry; the first is the default. Adding a database is
// its Sink in its own file plus one entry here.
var sinkKinds = []SinkKind{
	{Name: "sqlite", Open: func(_ context.Context, dir string, o SinkOptions) (KitchenDB, error) {
		return OpenSQLite(filepath.Join(dir, "kitchen.db"), o.Mode)
	}},
	{Name: "postgres", Server: true, Open: func(ctx context.Context, _ string, o SinkOptions) (KitchenDB, error) {
		return OpenPostgres(ctx, o.URL, o.Dial, o.Schema, o.Mode, o.Conns, o.Drop)
	}},
}

// DefaultSink is the kitchen database a scenario gets unless it names one.
func DefaultSink() string { return sinkKinds[0].Name }

// LookupSink finds a registered kitchen database by name.
func LookupSink(name string) (SinkKind, bool) {
	for _, k := range sinkKinds {
		if k.Name == name {
			return k, true
		}
	}
	return SinkKind{}, false
}

// SinkNames lists the registered kitchen databases.
func SinkNames() []string {
	out := make([]string, len(sinkKinds))
	for i, k := range sinkKinds {
		out[i] = k.Name
	}
	return out
}

var _ KitchenDB = (*SQLiteSink)(nil)

// SinkRows is where the kitchen database's rows go after a run; the ledger
// is one.
type SinkRows interface {
	SinkRead()
	SinkRow(order uint64, step ledger.Step, complete, failed bool)
}

// ReadBack reports every row of db to out, complete when it holds all of
// the order's dishes, and returns how many there were.
func ReadBack(ctx context.Context, db KitchenDB, out SinkRows) (int64, error) {
	var n int64
	err := db.Each(ctx, func(r Row) {
		n++
		out.SinkRow(r.Order, r.Step, r.Dishes == orders.Dishes(r.Order), r.Failed)
	})
	if err != nil {
		return n, fmt.Errorf("read back the kitchen database: %w", err)
	}
	out.SinkRead()
	return n, nil
}

// eachQuery reads the order rows back; both dialects spell it alike.
const eachQuery = "SELECT order_id, step, dishes, failed FROM orders"

// scannedRows is what database/sql's and pgx's result sets share.
type scannedRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// eachRow calls fn for every row of an eachQuery result: the one read-back
// of both dialects.
func eachRow(rows scannedRows, fn func(Row)) error {
	for rows.Next() {
		var order, step, dishes int64
		var failed bool
		if err := rows.Scan(&order, &step, &dishes, &failed); err != nil {
			return err
		}
		fn(Row{Order: uint64(order), Step: ledger.Step(step), Dishes: int(dishes), Failed: failed})
	}
	return rows.Err()
}
