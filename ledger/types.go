package ledger

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

// MaxEvidence bounds the evidence lines kept per finding.
const MaxEvidence = 10

// LateAfter is how long after its intended time a send counts as late.
const LateAfter = 10 * time.Millisecond

// LagPoint is one sample of one partition's lag.
type LagPoint struct {
	At        time.Time `json:"at"`
	Partition int32     `json:"partition"`
	Offsets   int64     `json:"offsets"`
	Seconds   float64   `json:"seconds"`
}
