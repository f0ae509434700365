package workloads

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // the kitchen display's database: SQLite, embedded, no server to run

	"github.com/chaosrun/chaosrun/assertions"
)

// SQLiteSink writes each order's latest step to a SQLite table with an
// idempotent upsert, so a re-delivered event rewrites the same row.
type SQLiteSink struct {
	db     *sql.DB
	upsert *sql.Stmt
}

const schema = `CREATE TABLE IF NOT EXISTS orders (
	order_id   INTEGER PRIMARY KEY,
	step       INTEGER NOT NULL,
	producer   INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	kafka_part INTEGER NOT NULL,
	kafka_off  INTEGER NOT NULL,
	updates    INTEGER NOT NULL DEFAULT 1
)`

const upsertSQL = `INSERT INTO orders (order_id, step, producer, seq, kafka_part, kafka_off) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(order_id) DO UPDATE SET step = excluded.step, producer = excluded.producer, seq = excluded.seq,
	kafka_part = excluded.kafka_part, kafka_off = excluded.kafka_off, updates = updates + 1`

// OpenSQLite opens (creating) the database file at path.
func OpenSQLite(path string) (*SQLiteSink, error) {
	// WAL without fsync: the sink must be a real database, not a durable one.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("open sink %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // SQLite has one writer; queue in Go rather than spin on SQLITE_BUSY
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create sink table in %s: %w", path, err)
	}
	st, err := db.Prepare(upsertSQL)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare sink upsert: %w", err)
	}
	return &SQLiteSink{db: db, upsert: st}, nil
}

// Apply upserts the event's order row.
func (s *SQLiteSink) Apply(ctx context.Context, e *assertions.Event) error {
	_, err := s.upsert.ExecContext(ctx, int64(e.Order), int64(e.Step), int64(e.Producer), int64(e.Seq), int64(e.Partition), e.Offset)
	return err
}

// Rows counts the orders stored, for the summary.
func (s *SQLiteSink) Rows(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM orders").Scan(&n)
	return n, err
}

// Close closes the database.
func (s *SQLiteSink) Close() error {
	s.upsert.Close()
	return s.db.Close()
}
