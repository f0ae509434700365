package kitchendb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
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
	// Server is nil for an embedded database; otherwise the database is a
	// server reached over the network, through its own proxy: one the run
	// starts, or the scenario's by URL.
	Server *ServerKind
	// Open creates the database for one run; dir is the run's own
	// directory, removed when the run ends.
	Open func(ctx context.Context, dir string, o SinkOptions) (KitchenDB, error)
}

// ServerKind is a database server's lifecycle, which its sink kind owns so
// that the runner, spec and the cleanup only ask the kind.
type ServerKind struct {
	// Software names the server in messages ("a PostgreSQL server").
	Software string
	// Port is where a URL that names none connects.
	Port string
	// Find says why no server can be started here (nil when one can).
	Find func() error
	// Start starts a server for the run in its dir, with a database to
	// use; the run's lines go to logf.
	Start func(ctx context.Context, dir, runID string, logf func(string, ...any)) (Started, error)
	// Clean removes what dead runs' servers left, once the cleanup of run
	// dirs is done, and says what it killed or removed.
	Clean func(logf func(string, ...any)) ([]string, error)
	// CheckURL finds what is wrong with a scenario's sink.url, at the url
	// itself (field ""); its messages never repeat the URL, which may hold
	// a password.
	CheckURL func(url string) problem.List
}

// Started is a server started for one run.
type Started struct {
	URL  string // for connecting only, never for output: it holds the password
	Port int    // on 127.0.0.1
	Stop func() error
}

// CannotStart says why a run of this kind with sink.url (empty: the run
// starts its own server) cannot start its database here; nil when it can.
func (k SinkKind) CannotStart(url string) error {
	if k.Server == nil || url != "" {
		return nil
	}
	return k.Server.Find()
}

// sinkKinds is the registry; the first is the default. Adding a database is
// its kind (its Sink, and its server's lifecycle) in its own file plus one
// line here.
var sinkKinds = []SinkKind{
	sqliteKind,
	postgresKind,
}

// SinkKinds lists the registered kitchen databases (runtimes cleans their
// servers' leftovers).
func SinkKinds() []SinkKind { return slices.Clone(sinkKinds) }

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

// orderTable is how one dialect runs the read-back's two queries; the
// read-back itself (orderRows) is shared.
type orderTable interface {
	query(ctx context.Context, q string) (rows scannedRows, done func(), err error)
	scanOne(ctx context.Context, q string, dest any) error
}

// orderRows is the read-back every sink shares, over its dialect's table.
type orderRows struct{ table orderTable }

// Each calls fn for every order row.
func (r orderRows) Each(ctx context.Context, fn func(Row)) error {
	rows, done, err := r.table.query(ctx, eachQuery)
	if err != nil {
		return err
	}
	defer done()
	return eachRow(rows, fn)
}

// Rows counts the orders stored, for the summary.
func (r orderRows) Rows(ctx context.Context) (int64, error) {
	var n int64
	err := r.table.scanOne(ctx, "SELECT COUNT(*) FROM orders", &n)
	return n, err
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
