package kitchendb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/pgserver"
)

// postgresKind is the kitchen database in PostgreSQL: the run's own server
// (package pgserver), or the scenario's by URL.
var postgresKind = SinkKind{
	Name: "postgres",
	Server: &ServerKind{
		Software: "a PostgreSQL server",
		Port:     "5432",
		Find: func() error {
			_, err := pgserver.FindPostgres()
			return err
		},
		Start: func(ctx context.Context, dir, runID string, logf func(string, ...any)) (Started, error) {
			p, err := pgserver.StartPostgres(ctx, dir, runID, "kitchen", logf)
			if err != nil {
				return Started{}, err
			}
			return Started{URL: p.URL("kitchen"), Port: p.Port, Stop: p.Close}, nil
		},
		Clean:    pgserver.Clean,
		CheckURL: checkPostgresURL,
	},
	Open: func(ctx context.Context, _ string, o SinkOptions) (KitchenDB, error) {
		return OpenPostgres(ctx, o.URL, o.Dial, o.Schema, o.Mode, o.Conns, o.Drop)
	},
}

// checkPostgresURL is the postgres kind's ServerKind.CheckURL.
func checkPostgresURL(raw string) problem.List {
	var bad problem.List
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		bad.Add("", "not a URL (want postgres://user[:password]@host[:port]/database)")
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		bad.Add("", fmt.Sprintf("want a postgres:// URL, got scheme %q", u.Scheme))
	case u.Hostname() == "":
		bad.Add("", "names no host (want postgres://user[:password]@host[:port]/database)")
	}
	return bad
}

// PostgresSink is the kitchen display's database in PostgreSQL, reached
// over the network (through the run's proxy): the same tables and modes as
// the SQLite sink, in a schema of its own.
type PostgresSink struct {
	orderRows // Each, Rows
	pool      *pgxpool.Pool
	direct    *pgx.ConnConfig // the URL's own server, not the proxy: for db-lock's connection
	mode      string
	schema    string
	drop      bool
}

var (
	pgSchemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	urlPassword  = regexp.MustCompile(`://([^:/@]+):[^@]*@`)
)

const pgSchema = `CREATE TABLE IF NOT EXISTS orders (
	order_id   BIGINT PRIMARY KEY,
	step       SMALLINT NOT NULL,
	dishes     INTEGER NOT NULL,
	failed     BOOLEAN NOT NULL DEFAULT FALSE,
	producer   BIGINT NOT NULL,
	seq        BIGINT NOT NULL,
	kafka_part INTEGER NOT NULL,
	kafka_off  BIGINT NOT NULL,
	updates    INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS retry (
	id          BIGSERIAL PRIMARY KEY,
	order_id    BIGINT NOT NULL,
	producer    BIGINT NOT NULL,
	seq         BIGINT NOT NULL,
	step        SMALLINT NOT NULL,
	kafka_part  INTEGER NOT NULL,
	kafka_off   BIGINT NOT NULL,
	intended_us BIGINT NOT NULL,
	sent_us     BIGINT NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at_us  BIGINT NOT NULL,
	last_error  TEXT NOT NULL DEFAULT '',
	value       BYTEA
);
CREATE INDEX IF NOT EXISTS retry_order ON retry (order_id, id);`

// The SQLite sink's statements in PostgreSQL's dialect.
var pgSQL = map[string]string{
	"upsert": `INSERT INTO orders (order_id, step, dishes, producer, seq, kafka_part, kafka_off) VALUES ($1, $2, $3, $4, $5, $6, $7)` + upsertTail,
	// One statement for any number of rows: the columns as arrays.
	"upsertMany": `INSERT INTO orders (order_id, step, dishes, producer, seq, kafka_part, kafka_off)
SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::integer[], $4::bigint[], $5::bigint[], $6::integer[], $7::bigint[])` + upsertTail,
	"insert": `INSERT INTO orders (order_id, step, dishes, producer, seq, kafka_part, kafka_off) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
	"update": `UPDATE orders SET step = $2, dishes = $3, producer = $4, seq = $5, kafka_part = $6, kafka_off = $7,
	updates = updates + 1 WHERE order_id = $1`,
	"park": `INSERT INTO retry (order_id, producer, seq, step, kafka_part, kafka_off, intended_us, sent_us, next_at_us, last_error, value)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
	"due": `SELECT r.id, r.order_id, r.producer, r.seq, r.step, r.kafka_part, r.kafka_off, r.intended_us, r.sent_us, r.attempts, r.value
FROM retry r WHERE r.id = (SELECT MIN(id) FROM retry WHERE order_id = r.order_id) AND r.next_at_us <= $1 ORDER BY r.id LIMIT $2`,
	"retried": `UPDATE retry SET attempts = attempts + 1, next_at_us = $1, last_error = $2 WHERE id = $3`,
	"unpark":  `DELETE FROM retry WHERE id = $1`,
	"parked":  `SELECT id, order_id, producer, seq, step, kafka_part, kafka_off, intended_us, sent_us, attempts, value FROM retry WHERE order_id = $1 ORDER BY id`,
	"dropAll": `DELETE FROM retry WHERE order_id = $1`,
	"fail":    `UPDATE orders SET failed = TRUE WHERE order_id = $1`,
	"failNew": `INSERT INTO orders (order_id, step, dishes, failed, producer, seq, kafka_part, kafka_off) VALUES ($1, 0, 0, TRUE, 0, 0, -1, -1)
ON CONFLICT (order_id) DO NOTHING`,
}

// OpenPostgres connects a pool of up to conns connections to url and
// creates the sink's tables in schema (created if missing); with drop, Close
// drops the schema again (a server chaosrun did not start). A non-empty dial
// is where every connection really goes (the run's proxy), whatever host
// the URL or its parameters name; TLS still checks the URL's host.
func OpenPostgres(ctx context.Context, url, dial, schema, mode string, conns int, drop bool) (*PostgresSink, error) {
	if mode != ModeUpsert && mode != ModeInsert {
		return nil, fmt.Errorf("sink mode %q: want %s or %s", mode, ModeUpsert, ModeInsert)
	}
	if !pgSchemaName.MatchString(schema) {
		return nil, fmt.Errorf("sink schema %q: want a lower-case SQL name", schema)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %s", redactURLError(err))
	}
	cfg.MaxConns = int32(max(conns, 1))
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	direct := cfg.ConnConfig.Copy()
	direct.RuntimeParams["application_name"] = "chaosrun db-lock"
	if dial != "" {
		var d net.Dialer
		cfg.ConnConfig.DialFunc = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", dial)
		}
		cfg.ConnConfig.LookupFunc = func(context.Context, string) ([]string, error) { return []string{"proxy"}, nil }
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "chaosrun kitchen display"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s", redactURLError(err))
	}
	s := &PostgresSink{orderRows: orderRows{pgTable{pool}}, pool: pool, direct: direct, mode: mode, schema: schema, drop: drop}
	if _, err := pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	if _, err := pool.Exec(ctx, pgSchema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("create sink tables in schema %s: %w", schema, err)
	}
	return s, nil
}

// redactURLError keeps a connection string's password out of messages.
func redactURLError(err error) string {
	return urlPassword.ReplaceAllString(err.Error(), "://$1:xxxxx@")
}

// Apply writes the event's order row with its dishes.
func (s *PostgresSink) Apply(ctx context.Context, e *ledger.Event, dishes int) error {
	_, err := s.pool.Exec(ctx, pgSQL[statement(s.mode, e.Step)], int64(e.Order), int16(e.Step), dishes, int64(e.Producer), int64(e.Seq), int32(e.Partition), e.Offset)
	return err
}

// ApplyBatch writes the rows in one multi-row upsert, one round trip.
func (s *PostgresSink) ApplyBatch(ctx context.Context, ws []Write) error {
	ws, err := batchable(s.mode, ws)
	if err != nil || len(ws) == 0 {
		return err
	}
	var (
		orders, producers, seqs, offsets = make([]int64, len(ws)), make([]int64, len(ws)), make([]int64, len(ws)), make([]int64, len(ws))
		steps                            = make([]int16, len(ws))
		dishes, parts                    = make([]int32, len(ws)), make([]int32, len(ws))
	)
	for i, w := range ws {
		e := w.Event
		orders[i], steps[i], dishes[i], producers[i] = int64(e.Order), int16(e.Step), int32(w.Dishes), int64(e.Producer)
		seqs[i], parts[i], offsets[i] = int64(e.Seq), e.Partition, e.Offset
	}
	_, err = s.pool.Exec(ctx, pgSQL["upsertMany"], orders, steps, dishes, producers, seqs, parts, offsets)
	return err
}

// pgTable runs the read-back's queries through the pgx pool.
type pgTable struct{ pool *pgxpool.Pool }

func (t pgTable) query(ctx context.Context, q string) (scannedRows, func(), error) {
	rows, err := t.pool.Query(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	return rows, rows.Close, nil
}

func (t pgTable) scanOne(ctx context.Context, q string, dest any) error {
	return t.pool.QueryRow(ctx, q).Scan(dest)
}

// Park puts e (payload value) in the retry table, due at next.
func (s *PostgresSink) Park(ctx context.Context, e *ledger.Event, value []byte, err error, next time.Time) error {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	_, xerr := s.pool.Exec(ctx, pgSQL["park"], int64(e.Order), int64(e.Producer), int64(e.Seq), int16(e.Step),
		int32(e.Partition), e.Offset, e.Intended.UnixMicro(), e.Sent.UnixMicro(), next.UnixMicro(), msg, value)
	return xerr
}

// Due returns up to limit orders' oldest parked events that are due at now.
func (s *PostgresSink) Due(ctx context.Context, now time.Time, limit int) ([]ParkedEvent, error) {
	return s.queryParked(ctx, pgSQL["due"], now.UnixMicro(), limit)
}

// ParkedOf returns every parked event of order, oldest first.
func (s *PostgresSink) ParkedOf(ctx context.Context, order uint64) ([]ParkedEvent, error) {
	return s.queryParked(ctx, pgSQL["parked"], int64(order))
}

func (s *PostgresSink) queryParked(ctx context.Context, q string, args ...any) ([]ParkedEvent, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ParkedEvent
	for rows.Next() {
		var p ParkedEvent
		var order, producer, seq, intended, sent int64
		var step int16
		var part, attempts int32
		if err := rows.Scan(&p.ID, &order, &producer, &seq, &step, &part, &p.Event.Offset, &intended, &sent, &attempts, &p.Value); err != nil {
			return nil, err
		}
		p.Attempts = int(attempts)
		p.Event.Order, p.Event.Producer, p.Event.Seq = uint64(order), uint32(producer), uint64(seq)
		p.Event.Step, p.Event.Partition = ledger.Step(step), part
		p.Event.Intended, p.Event.Sent = time.UnixMicro(intended), time.UnixMicro(sent)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Retried records a failed retry of parked event id, due again at next.
func (s *PostgresSink) Retried(ctx context.Context, id int64, err error, next time.Time) error {
	_, xerr := s.pool.Exec(ctx, pgSQL["retried"], next.UnixMicro(), err.Error(), id)
	return xerr
}

// Unpark removes parked event id: it was applied.
func (s *PostgresSink) Unpark(ctx context.Context, id int64) error {
	_, err := s.pool.Exec(ctx, pgSQL["unpark"], id)
	return err
}

// GiveUp drops order's parked events and marks the order failed, in one
// transaction.
func (s *PostgresSink) GiveUp(ctx context.Context, order uint64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, name := range []string{"dropAll", "fail", "failNew"} {
			if _, err := tx.Exec(ctx, pgSQL[name], int64(order)); err != nil {
				return fmt.Errorf("give up order %d: %w", order, err)
			}
		}
		return nil
	})
}

// LockTable takes a lock on table (orders or retry) in mode, a LOCK TABLE
// mode, from a connection of its own straight to the server, and holds it
// in an open transaction until release rolls it back.
func (s *PostgresSink) LockTable(ctx context.Context, table, mode string) (release func() error, err error) {
	if table != "orders" && table != "retry" {
		return nil, fmt.Errorf("lock table %q: not a table of the kitchen display", table)
	}
	if !slices.Contains([]string{"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}, mode) {
		return nil, fmt.Errorf("lock mode %q: want SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE or ACCESS EXCLUSIVE", mode)
	}
	conn, err := pgx.ConnectConfig(ctx, s.direct)
	if err != nil {
		return nil, fmt.Errorf("connect for the lock: %s", redactURLError(err))
	}
	// Bounded: the kitchen's own writes hold row locks only for a moment.
	if _, err := conn.Exec(ctx, "SET lock_timeout = '10s'"); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	tx, err := conn.Begin(ctx)
	if err == nil {
		_, err = tx.Exec(ctx, "LOCK TABLE "+table+" IN "+mode+" MODE")
	}
	if err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := tx.Rollback(ctx)
		return errors.Join(err, conn.Close(ctx))
	}, nil
}

// Close drops the schema when asked to, then closes the pool.
func (s *PostgresSink) Close() error {
	defer s.pool.Close()
	if !s.drop {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+s.schema+" CASCADE")
	return err
}

var _ KitchenDB = (*PostgresSink)(nil)
