package assertions

import "time"

// Step is an order's lifecycle step. Steps of one order must be processed in
// increasing order; Completed and Cancelled are final.
type Step uint8

const (
	StepUnknown Step = iota
	StepCreated
	StepPaid
	StepCompleted
	StepCancelled
)

// Rank orders steps for the per-key order check; both final steps share a rank.
func (s Step) Rank() int {
	if s == StepCancelled {
		return int(StepCompleted)
	}
	return int(s)
}

// Final reports whether no later step may follow.
func (s Step) Final() bool { return s == StepCompleted || s == StepCancelled }

func (s Step) String() string {
	switch s {
	case StepCreated:
		return "created"
	case StepPaid:
		return "paid"
	case StepCompleted:
		return "completed"
	case StepCancelled:
		return "cancelled"
	}
	return "unknown"
}

// Event is the identity of one record as read back from Kafka (headers plus
// position). The consumer and the final drain both report Events.
type Event struct {
	Run       string // run id the record was sent by
	Env       string // environment (prod, pre)
	Producer  uint32
	Seq       uint64 // per-producer sequence, starting at 0
	Order     uint64 // order id; the per-key order check is per order
	Step      Step
	Partition int32
	Offset    int64
	Intended  time.Time // when the open-model schedule wanted it sent
	Sent      time.Time // when it was handed to the client
}

// ID names one send: producer id and sequence.
type ID struct {
	Producer uint32 `json:"producer"`
	Seq      uint64 `json:"seq"`
}

// Counts are the run's totals.
type Counts struct {
	Sent            int64 `json:"sent"`
	Acked           int64 `json:"acked"`
	Failed          int64 `json:"failed"`
	Unknown         int64 `json:"unknown"`
	Aborted         int64 `json:"aborted"`    // sent in a transaction that was aborted
	Late            int64 `json:"late_sends"` // sent more than LateAfter after the intended time
	Processed       int64 `json:"processed"`  // distinct records processed by the consumer group
	InLog           int64 `json:"in_log"`     // distinct records of this run found by the final drain
	LostKafka       int64 `json:"lost_kafka"`
	LostConsumer    int64 `json:"lost_consumer"`
	LostRetention   int64 `json:"lost_retention"`   // acked, deleted by retention before the group read them
	LostUnconfirmed int64 `json:"lost_unconfirmed"` // sent with unknown outcome, never in the log
	Unexpected      int64 `json:"unexpected"`
	Duplicates      int64 `json:"duplicates"`     // extra processings of an already processed record
	LogDuplicate    int64 `json:"log_duplicates"` // extra copies of one send in the log
}

// Verdict is one assertion's judgement with the evidence behind it.
type Verdict struct {
	Name     string   `json:"name"`
	Passed   bool     `json:"passed"`
	Summary  string   `json:"summary"`           // one line, human readable
	Count    int64    `json:"count"`             // offending items (0 when passed)
	First    []string `json:"first,omitempty"`   // first offending ids, at most MaxEvidence
	Details  []string `json:"details,omitempty"` // further facts (per-partition numbers, times)
	Enforced bool     `json:"enforced"`          // false: reported only, never fails the run
}

// MaxEvidence bounds the offending ids kept per verdict.
const MaxEvidence = 10

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

// LateAfter is how long after its intended time a send counts as late.
const LateAfter = 10 * time.Millisecond

// LagPoint is one sample of one partition's lag.
type LagPoint struct {
	At        time.Time `json:"at"`
	Partition int32     `json:"partition"`
	Offsets   int64     `json:"offsets"`
	Seconds   float64   `json:"seconds"`
}
