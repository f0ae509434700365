package kitchendb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the kitchen display's database: SQLite, embedded, no server to run

	"github.com/chaosrun/chaosrun/ledger"
)

// SQLiteSink is the kitchen display's database in SQLite: one row per order
// with its latest step and dishes, and the retry table.
type SQLiteSink struct {
	orderRows // Each, Rows
	db        *sql.DB
	mode      string
	stmts     map[string]*sql.Stmt
}

const schema = `CREATE TABLE IF NOT EXISTS orders (
	order_id   INTEGER PRIMARY KEY,
	step       INTEGER NOT NULL,
	dishes     INTEGER NOT NULL,
	failed     INTEGER NOT NULL DEFAULT 0,
	producer   INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	kafka_part INTEGER NOT NULL,
	kafka_off  INTEGER NOT NULL,
	updates    INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS retry (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	order_id    INTEGER NOT NULL,
	producer    INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	step        INTEGER NOT NULL,
	kafka_part  INTEGER NOT NULL,
	kafka_off   INTEGER NOT NULL,
	intended_us INTEGER NOT NULL,
	sent_us     INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at_us  INTEGER NOT NULL,
	last_error  TEXT NOT NULL DEFAULT '',
	value       BLOB
);
CREATE INDEX IF NOT EXISTS retry_order ON retry (order_id, id);`

// upsertTail makes an INSERT of order rows an upsert; both databases take it.
const upsertTail = `
ON CONFLICT (order_id) DO UPDATE SET step = excluded.step, dishes = excluded.dishes, producer = excluded.producer,
	seq = excluded.seq, kafka_part = excluded.kafka_part, kafka_off = excluded.kafka_off, updates = orders.updates + 1`

// Statements by name; "upsert" is seed 001's ON DUPLICATE KEY UPDATE, "insert"
// and "update" seed 000's plain INSERT of a new order and UPDATE of a known one.
var sinkSQL = map[string]string{
	"upsert": `INSERT INTO orders (order_id, step, dishes, producer, seq, kafka_part, kafka_off) VALUES (?, ?, ?, ?, ?, ?, ?)` + upsertTail,
	"insert": `INSERT INTO orders (order_id, step, dishes, producer, seq, kafka_part, kafka_off) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	"update": `UPDATE orders SET step = ?2, dishes = ?3, producer = ?4, seq = ?5, kafka_part = ?6, kafka_off = ?7,
	updates = updates + 1 WHERE order_id = ?1`,
	"park": `INSERT INTO retry (order_id, producer, seq, step, kafka_part, kafka_off, intended_us, sent_us, next_at_us, last_error, value)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"due": `SELECT r.id, r.order_id, r.producer, r.seq, r.step, r.kafka_part, r.kafka_off, r.intended_us, r.sent_us, r.attempts, r.value
FROM retry r WHERE r.id = (SELECT MIN(id) FROM retry WHERE order_id = r.order_id) AND r.next_at_us <= ? ORDER BY r.id LIMIT ?`,
	"retried": `UPDATE retry SET attempts = attempts + 1, next_at_us = ?, last_error = ? WHERE id = ?`,
	"unpark":  `DELETE FROM retry WHERE id = ?`,
	"parked":  `SELECT id, order_id, producer, seq, step, kafka_part, kafka_off, intended_us, sent_us, attempts, value FROM retry WHERE order_id = ? ORDER BY id`,
	"dropAll": `DELETE FROM retry WHERE order_id = ?`,
	"fail":    `UPDATE orders SET failed = 1 WHERE order_id = ?`,
	"failNew": `INSERT OR IGNORE INTO orders (order_id, step, dishes, failed, producer, seq, kafka_part, kafka_off) VALUES (?, 0, 0, 1, 0, 0, -1, -1)`,
}

// Sink modes.
const (
	ModeUpsert = "upsert" // idempotent: a re-delivered event rewrites the same row
	ModeInsert = "insert" // a new order is INSERTed (a re-delivery violates the key), later steps UPDATE it
)

// sqliteKind is the embedded kitchen database, a file in the run's dir.
var sqliteKind = SinkKind{Name: "sqlite", Open: func(_ context.Context, dir string, o SinkOptions) (KitchenDB, error) {
	return OpenSQLite(filepath.Join(dir, "kitchen.db"), o.Mode)
}}

// OpenSQLite opens (creating) the database file at path; mode is ModeUpsert
// or ModeInsert.
func OpenSQLite(path, mode string) (*SQLiteSink, error) {
	if mode != ModeUpsert && mode != ModeInsert {
		return nil, fmt.Errorf("sink mode %q: want %s or %s", mode, ModeUpsert, ModeInsert)
	}
	// WAL without fsync: the sink must be a real database, not a durable one.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("open sink %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // SQLite has one writer; queue in Go rather than spin on SQLITE_BUSY
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create sink tables in %s: %w", path, err)
	}
	s := &SQLiteSink{orderRows: orderRows{sqliteTable{db}}, db: db, mode: mode, stmts: map[string]*sql.Stmt{}}
	for name, q := range sinkSQL {
		if s.stmts[name], err = db.Prepare(q); err != nil {
			s.Close()
			return nil, fmt.Errorf("prepare sink %s: %w", name, err)
		}
	}
	return s, nil
}

// Apply writes the event's order row with its dishes.
func (s *SQLiteSink) Apply(ctx context.Context, e *ledger.Event, dishes int) error {
	st := s.stmts[statement(s.mode, e.Step)]
	_, err := st.ExecContext(ctx, int64(e.Order), int64(e.Step), dishes, int64(e.Producer), int64(e.Seq), int64(e.Partition), e.Offset)
	return err
}

// ApplyBatch writes the rows in one multi-row upsert.
func (s *SQLiteSink) ApplyBatch(ctx context.Context, ws []Write) error {
	ws, err := batchable(s.mode, ws)
	if err != nil || len(ws) == 0 {
		return err
	}
	var q strings.Builder
	q.WriteString("INSERT INTO orders (order_id, step, dishes, producer, seq, kafka_part, kafka_off) VALUES ")
	args := make([]any, 0, 7*len(ws))
	for i, w := range ws {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		e := w.Event
		args = append(args, int64(e.Order), int64(e.Step), w.Dishes, int64(e.Producer), int64(e.Seq), int64(e.Partition), e.Offset)
	}
	q.WriteString(upsertTail)
	_, err = s.db.ExecContext(ctx, q.String(), args...)
	return err
}

// Row is one order as the kitchen database shows it.
type Row struct {
	Order  uint64
	Step   ledger.Step
	Dishes int
	Failed bool
}

// sqliteTable runs the read-back's queries through database/sql.
type sqliteTable struct{ db *sql.DB }

func (t sqliteTable) query(ctx context.Context, q string) (scannedRows, func(), error) {
	rows, err := t.db.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	return rows, func() { rows.Close() }, nil
}

func (t sqliteTable) scanOne(ctx context.Context, q string, dest any) error {
	return t.db.QueryRowContext(ctx, q).Scan(dest)
}

// ParkedEvent is an event waiting in the retry table, with its payload.
type ParkedEvent struct {
	ID       int64
	Event    ledger.Event
	Value    []byte
	Attempts int
}

// Park puts e (payload value) in the retry table, due at next; err says why.
func (s *SQLiteSink) Park(ctx context.Context, e *ledger.Event, value []byte, err error, next time.Time) error {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	_, xerr := s.stmts["park"].ExecContext(ctx, int64(e.Order), int64(e.Producer), int64(e.Seq), int64(e.Step),
		int64(e.Partition), e.Offset, e.Intended.UnixMicro(), e.Sent.UnixMicro(), next.UnixMicro(), msg, value)
	return xerr
}

// Due returns up to limit orders' oldest parked events that are due at now.
func (s *SQLiteSink) Due(ctx context.Context, now time.Time, limit int) ([]ParkedEvent, error) {
	return s.queryParked(ctx, s.stmts["due"], now.UnixMicro(), limit)
}

// ParkedOf returns every parked event of order, oldest first.
func (s *SQLiteSink) ParkedOf(ctx context.Context, order uint64) ([]ParkedEvent, error) {
	return s.queryParked(ctx, s.stmts["parked"], int64(order))
}

func (s *SQLiteSink) queryParked(ctx context.Context, st *sql.Stmt, args ...any) ([]ParkedEvent, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ParkedEvent
	for rows.Next() {
		var p ParkedEvent
		var order, producer, seq, step, part, intended, sent int64
		if err := rows.Scan(&p.ID, &order, &producer, &seq, &step, &part, &p.Event.Offset, &intended, &sent, &p.Attempts, &p.Value); err != nil {
			return nil, err
		}
		p.Event.Order, p.Event.Producer, p.Event.Seq = uint64(order), uint32(producer), uint64(seq)
		p.Event.Step, p.Event.Partition = ledger.Step(step), int32(part)
		p.Event.Intended, p.Event.Sent = time.UnixMicro(intended), time.UnixMicro(sent)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Retried records a failed retry of parked event id, due again at next.
func (s *SQLiteSink) Retried(ctx context.Context, id int64, err error, next time.Time) error {
	_, xerr := s.stmts["retried"].ExecContext(ctx, next.UnixMicro(), err.Error(), id)
	return xerr
}

// Unpark removes parked event id: it was applied.
func (s *SQLiteSink) Unpark(ctx context.Context, id int64) error {
	_, err := s.stmts["unpark"].ExecContext(ctx, id)
	return err
}

// GiveUp drops order's parked events and marks the order failed, as seed
// 001's job did after its last retry (and mailed the developers).
func (s *SQLiteSink) GiveUp(ctx context.Context, order uint64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, name := range []string{"dropAll", "fail", "failNew"} {
		if _, err := tx.StmtContext(ctx, s.stmts[name]).ExecContext(ctx, int64(order)); err != nil {
			return fmt.Errorf("give up order %d: %w", order, err)
		}
	}
	return tx.Commit()
}

// Close closes the database.
func (s *SQLiteSink) Close() error {
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, s.db.Close())...)
}
