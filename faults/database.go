package faults

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Database is what db-lock needs from the kitchen display's database
// server; the PostgreSQL sink is one.
type Database interface {
	// LockTable takes a lock on table in mode (a LOCK TABLE mode, e.g.
	// EXCLUSIVE) from a connection of its own, not through the run's proxy,
	// and holds it until release.
	LockTable(ctx context.Context, table, mode string) (release func() error, err error)
}

// ServerFault marks the faults that need the kitchen display's database to
// be a server (sink: {type: postgres}); spec refuses them otherwise.
type ServerFault interface {
	Fault
	NeedsDatabaseServer()
}

// kitchenDB is the target of the db-* network faults: the database's proxy.
var kitchenDB = Target{Service: KitchenDB}

// DBLatency (db-latency), DBBandwidth (db-bandwidth) and DBDown (db-down)
// are latency, bandwidth and proxy-down on the database's proxy, named for
// what they do to the kitchen display.
type DBLatency struct {
	Latency `yaml:",inline"`
}

type DBBandwidth struct {
	Bandwidth `yaml:",inline"`
}

type DBDown struct {
	ProxyDown `yaml:",inline"`
}

func (*DBLatency) Acts() Kind   { return KindDatabase }
func (*DBBandwidth) Acts() Kind { return KindDatabase }
func (*DBDown) Acts() Kind      { return KindDatabase }

func (*DBLatency) targets() []string   { return nil }
func (*DBBandwidth) targets() []string { return nil }
func (*DBDown) targets() []string      { return nil }

func (*DBLatency) NeedsDatabaseServer()   {}
func (*DBBandwidth) NeedsDatabaseServer() {}
func (*DBDown) NeedsDatabaseServer()      {}

func (f *DBLatency) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	return f.Latency.Inject(ctx, env, kitchenDB)
}

func (f *DBBandwidth) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	return f.Bandwidth.Inject(ctx, env, kitchenDB)
}

func (f *DBDown) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	return f.ProxyDown.Inject(ctx, env, kitchenDB)
}

// Lock modes db-lock takes, by their scenario names: which of the kitchen
// display's statements wait behind the lock.
var lockModes = map[string]string{
	"share":            "SHARE",            // writes wait, reads go on
	"exclusive":        "EXCLUSIVE",        // writes wait, plain reads go on
	"access-exclusive": "ACCESS EXCLUSIVE", // everything waits, reads too
}

// lockTables are the kitchen display's tables.
var lockTables = []string{"orders", "retry"}

// DBLock holds a real table lock from a second connection for the fault's
// duration: the kitchen display's writes queue inside PostgreSQL, as on an
// overloaded primary or behind a migration.
type DBLock struct {
	Table   string `yaml:"table"`
	Mode    string `yaml:"mode"`
	release func() error
}

func (f *DBLock) Validate() problem.List {
	var errs problem.List
	if !slices.Contains(lockTables, f.Table) {
		errs.Add("table", fmt.Sprintf("want one of the kitchen display's tables: %s", strings.Join(lockTables, ", ")))
	}
	if _, ok := lockModes[f.Mode]; !ok {
		errs.Add("mode", "want share, exclusive (writes wait) or access-exclusive (reads wait too)")
	}
	return errs
}

func (*DBLock) targets() []string    { return nil }
func (*DBLock) NeedsDatabaseServer() {}
func (*DBLock) Acts() Kind           { return KindDatabase }

func (f *DBLock) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	if env.Database == nil {
		return "", fmt.Errorf("the kitchen database is not a server: nothing to lock")
	}
	release, err := env.Database.LockTable(ctx, f.Table, lockModes[f.Mode])
	if err != nil {
		return "", fmt.Errorf("lock table %s: %w", f.Table, err)
	}
	f.release = release
	return fmt.Sprintf("table %s, %s mode", f.Table, lockModes[f.Mode]), nil
}

func (f *DBLock) Heal(context.Context, *Env) error {
	if f.release == nil {
		return nil
	}
	err := f.release()
	f.release = nil
	return err
}

var (
	_ ServerFault = (*DBLatency)(nil)
	_ ServerFault = (*DBBandwidth)(nil)
	_ ServerFault = (*DBDown)(nil)
	_ ServerFault = (*DBLock)(nil)
	_ Validator   = (*DBLock)(nil)
)
