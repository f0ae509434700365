package assertions

import (
	"fmt"

	"github.com/chaosrun/chaosrun/ledger"
)

// dbConsistent: every order the log holds shows in the kitchen database at
// the last step the log holds for it, with all its details. Orders holding
// poison are the dead-letter path's business, not the database's.
func dbConsistent(f *ledger.Facts, _ Criteria, v *Verdict) {
	db := f.KitchenDB
	if !db.Read {
		v.Count = 1
		v.Summary = "the kitchen database was never read"
		return
	}
	v.Count, v.First = db.Mismatch.N, db.Mismatch.First
	v.Summary = fmt.Sprintf("%d of %d orders in the log not shown at their last step by the kitchen database (%d rows)", v.Count, db.Orders, db.Rows)
	for i, n := range db.By {
		if n > 0 {
			v.Details = append(v.Details, fmt.Sprintf("%d orders %s", n, ledger.DBMismatches[i]))
		}
	}
}
