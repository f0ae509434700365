package ledger

import (
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

// idString names one send the way every piece of evidence does: p<producer>/s<seq>.
func idString(producer uint32, seq uint64) string {
	return fmt.Sprintf("p%d/s%d", producer, seq)
}

// runString names a run of sends of one producer: p1/s100-s134.
func runString(producer uint32, sp seqset.Span) string {
	if sp.Lo == sp.Hi {
		return idString(producer, sp.Lo)
	}
	return fmt.Sprintf("p%d/s%d-s%d", producer, sp.Lo, sp.Hi)
}

// rel says when t was, relative to the ledger's start: t+12.3s.
func rel(start, t time.Time) string {
	return fmt.Sprintf("t%+.1fs", t.Sub(start).Seconds())
}

// dur prints a duration to the millisecond.
func dur(d time.Duration) string { return d.Round(time.Millisecond).String() }

// room reports whether an evidence list can take another entry; callers check
// it before formatting so evidence costs nothing once the list is full.
func room(list []string) bool { return len(list) < MaxEvidence }

// Tally counts offending sends and keeps the first runs of them.
type Tally struct {
	N     int64
	First []string
}

// take adds producer's runs from r, each labelled with what (may be empty).
func (t *Tally) take(producer uint32, r seqset.Runs, what string) {
	for sp, ok := r.Next(); ok; sp, ok = r.Next() {
		t.N += int64(sp.Len())
		if room(t.First) {
			t.First = append(t.First, runString(producer, sp)+what)
		}
	}
}
