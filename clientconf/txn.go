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
