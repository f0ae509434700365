package assertions

import "time"

// Verdict is one assertion's judgement with the evidence behind it.
type Verdict struct {
	Name     string   `json:"name"`
	Passed   bool     `json:"passed"`
	Summary  string   `json:"summary"`           // one line, human readable
	Count    int64    `json:"count"`             // offending items (0 when passed)
	First    []string `json:"first,omitempty"`   // first offending ids, at most ledger.MaxEvidence
	Details  []string `json:"details,omitempty"` // further facts (per-partition numbers, times)
	Enforced bool     `json:"enforced"`          // false: reported only, never fails the run
}

// Criteria are the thresholds the verdicts are judged by; Catalog declares
// each with its scenario field, default and validation.
type Criteria struct {
	MaxLag                time.Duration // lag-bounded: per-partition lag in seconds
	MaxLagOffsets         int64         // lag-bounded: per-partition lag in offsets (0: unbounded)
	RecoverWithin         time.Duration // lag-recovers: all partitions at lag 0 within this after producers stop
	ForbidDuplicates      bool          // no-duplicates is enforced
	ForbidUnconfirmedLoss bool          // unconfirmed-lost is enforced
	MaxAckGap             time.Duration // ack-gap: longest gap between acks (0: reported only)
	MaxStall              time.Duration // no-stuck-partition: longest a lagging partition's commit may stand still
	MaxRebalances         int64         // rebalances: group generations during the workload (0: reported only)
	MaxUnowned            time.Duration // rebalances: longest a partition may go without an owner (0: reported only)
	MaxRecovery           time.Duration // recovery: lag back to its level within this after each fault and flood (0: reported only)
}
