package workloads

import (
	"context"
	"path/filepath"
)

// KitchenDB is the kitchen display's database as a run uses it: the sink
// the consumer writes to, counted at the end, closed with the run.
type KitchenDB interface {
	Sink
	// Rows counts the orders stored, for the summary.
	Rows(ctx context.Context) (int64, error)
	Close() error
}

// SinkKind is one kind of kitchen database.
type SinkKind struct {
	Name string
	// Open creates the database for one run; dir is the run's own
	// directory, removed when the run ends.
	Open func(ctx context.Context, dir string) (KitchenDB, error)
}

// sinkKinds is the registry; the first is the default. Adding a database is
// its Sink in its own file plus one entry here.
var sinkKinds = []SinkKind{
	{Name: "sqlite", Open: func(_ context.Context, dir string) (KitchenDB, error) {
		return OpenSQLite(filepath.Join(dir, "kitchen.db"))
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
