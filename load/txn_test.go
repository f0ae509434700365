package load

import (
	"testing"

	"github.com/chaosrun/chaosrun/clientconf"
)

// A transaction's send results are kept without allocating per record.
func TestTxnPromiseDoesNotAllocate(t *testing.T) {
	p := &producer{txn: newTxnState(Transactions{Records: 100}, 1, 0), errs: clientconf.NewErrorTally()}
	b := &eventBuf{value: make([]byte, 0, 300)}
	allocs := testing.AllocsPerRun(1000, func() {
		if len(p.txn.pending) == cap(p.txn.pending) {
			p.txn.pending = p.txn.pending[:0] // a transaction's end
		}
		p.txnPromise(&b.rec, nil) // puts b back in the pool; the test keeps using it
	})
	if allocs != 0 {
		t.Errorf("txnPromise allocates %.1f times per record", allocs)
	}
}
