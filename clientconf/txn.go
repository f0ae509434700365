package clientconf

import (
	"fmt"
	"time"
)

// TransactionalIDFor is the transactional.id of producer (or group member)
// i: ids must be distinct, or each new producer fences the others.
func TransactionalIDFor(base string, i int) string { return fmt.Sprintf("%s-%d", base, i) }

// TxnEndTimeout bounds one EndTransaction; its outcome is unknown after it.
const TxnEndTimeout = 30 * time.Second

// TransactionalIDs are the transactional.ids of a run: each of producers
// with base producerID, then each of members with base outputID; an empty
// base adds none.
func TransactionalIDs(producerID string, producers int, outputID string, members int) []string {
	var ids []string
	for _, b := range []struct {
		base string
		n    int
	}{{producerID, producers}, {outputID, members}} {
		if b.base == "" {
			continue
		}
		for i := range b.n {
			ids = append(ids, TransactionalIDFor(b.base, i))
		}
	}
	return ids
}
