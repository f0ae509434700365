package faults

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// dbLatency, dbBandwidth and dbDown are latency, bandwidth and proxy-down
// on the database's proxy, named for what they do to the kitchen display.
type dbLatency struct {
	latency `yaml:",inline"`
}

type dbBandwidth struct {
	bandwidth `yaml:",inline"`
}

type dbDown struct {
	proxyDown `yaml:",inline"`
}

func (*dbLatency) targets() []string   { return nil }
func (*dbBandwidth) targets() []string { return nil }
func (*dbDown) targets() []string      { return nil }

func (*dbLatency) NeedsDatabaseServer()   {}
func (*dbBandwidth) NeedsDatabaseServer() {}
func (*dbDown) NeedsDatabaseServer()      {}

func (f *dbLatency) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	return f.latency.Inject(ctx, env, kitchenDB)
}

func (f *dbBandwidth) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	return f.bandwidth.Inject(ctx, env, kitchenDB)
}

func (f *dbDown) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
	return f.proxyDown.Inject(ctx, env, kitchenDB)
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

// dbLock holds a real table lock from a second connection for the fault's
// duration: the kitchen display's writes queue inside PostgreSQL, as on an
// overloaded primary or behind a migration.
type dbLock struct {
	Table   string `yaml:"table"`
	Mode    string `yaml:"mode"`
	release func() error
}

func (f *dbLock) Validate() []FieldError {
	var errs []FieldError
	if !slices.Contains(lockTables, f.Table) {
		errs = append(errs, FieldError{"table", fmt.Sprintf("want one of the kitchen display's tables: %s", strings.Join(lockTables, ", "))})
	}
	if _, ok := lockModes[f.Mode]; !ok {
		errs = append(errs, FieldError{"mode", "want share, exclusive (writes wait) or access-exclusive (reads wait too)"})
	}
	return errs
}

func (*dbLock) targets() []string    { return nil }
func (*dbLock) NeedsDatabaseServer() {}

func (f *dbLock) Inject(ctx context.Context, env *Env, _ Target) (string, error) {
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

func (f *dbLock) Heal(context.Context, *Env) error {
	if f.release == nil {
		return nil
	}
	err := f.release()
	f.release = nil
	return err
}

var (
	_ ServerFault = (*dbLatency)(nil)
	_ ServerFault = (*dbBandwidth)(nil)
	_ ServerFault = (*dbDown)(nil)
	_ ServerFault = (*dbLock)(nil)
	_ Validator   = (*dbLock)(nil)
)
