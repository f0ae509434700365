package assertions

import (
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/ledger"
)

// Assertion declares one verdict. Everything else is derived from Catalog:
// Names, the order Verify judges in, the scenario fields under
// `assertions:` with their defaults and validation, and which verdicts
// fail a run.
type Assertion struct {
	Name string
	// Judges says in one line when the verdict fails.
	Judges string
	// Enforced verdicts fail the run; the others are reported only, unless
	// one of their EnforcedBy thresholds is set (non-zero) in the scenario.
	Enforced   bool
	EnforcedBy []string
	Thresholds []Threshold
	judge      func(*ledger.Facts, Criteria, *Verdict)
}

// Catalog is every assertion, in report order. Adding one is a verdict
// function (func(*ledger.Facts, Criteria, *Verdict)) in its own file, with
// its table of good and bad histories, plus one entry here.
var Catalog = []Assertion{
	{Name: "no-kafka-loss", Enforced: true, judge: kafkaLoss,
		Judges: "an acked record is absent from the final drain"},
	{Name: "no-retention-loss", Enforced: true, judge: noRetentionLoss,
		Judges: "an acked record was deleted by retention before the group processed it (the log start passed the group's position)"},
	{Name: "unconfirmed-lost", EnforcedBy: []string{"forbid_unconfirmed_loss"}, judge: unconfirmedLost,
		Judges: "a send of unknown outcome (acks=0, timeout) is neither in the log nor processed",
		Thresholds: []Threshold{
			flag("forbid_unconfirmed_loss", func(c *Criteria) *bool { return &c.ForbidUnconfirmedLoss }, "make unconfirmed-lost enforced"),
		}},
	{Name: "no-consumer-loss", Enforced: true, judge: consumerLoss,
		Judges: "a record in the log was never processed by the group"},
	{Name: "no-unexpected", Enforced: true, judge: unexpected,
		Judges: "a processed or logged record was never sent by this run/env, or its send definitely failed"},
	{Name: "no-duplicates", EnforcedBy: []string{"forbid_duplicates"}, judge: duplicates,
		Judges: "a record was processed twice or is in the log twice",
		Thresholds: []Threshold{
			flag("forbid_duplicates", func(c *Criteria) *bool { return &c.ForbidDuplicates }, "make no-duplicates enforced"),
		}},
	{Name: "key-order", Enforced: true, judge: keyOrder,
		Judges: "an order's processed steps go backwards, or a step arrives after its final step"},
	{Name: "log-order", Enforced: true, judge: logOrder,
		Judges: "within a partition, a producer's later send sits before an earlier one"},
	{Name: "no-aborted-read", Enforced: true, judge: abortedRead,
		Judges: "a record of an aborted transaction was processed, read by the read_committed drain, or has a result in the output topic"},
	{Name: "no-lost-commit", Enforced: true, judge: lostCommit,
		Judges: "an input record the pipeline processed (and so committed past) has no committed result in the output topic"},
	{Name: "no-duplicate-output", Enforced: true, judge: duplicateOutput,
		Judges: "the output topic holds more than one result of one input record (exactly-once broken)"},
	{Name: "output-order", Enforced: true, judge: outputOrder,
		Judges: "in the output topic an order's results go backwards, or follow its final step (first results only: copies are no-duplicate-output's)"},
	{Name: "lag-bounded", Enforced: true, judge: lagBounded,
		Judges: "a partition's lag exceeds max_lag seconds (or max_lag_offsets), or lag was never measured",
		Thresholds: []Threshold{
			duration("max_lag", func(c *Criteria) *time.Duration { return &c.MaxLag }, 30*time.Second, "",
				"per-partition lag limit in seconds"),
			count("max_lag_offsets", func(c *Criteria) *int64 { return &c.MaxLagOffsets }, "no limit", "offsets",
				"per-partition lag limit in offsets"),
		}},
	{Name: "lag-recovers", Enforced: true, judge: lagRecovers,
		Judges: "lag does not return to 0 on every partition within recover_within after producers stop",
		Thresholds: []Threshold{
			duration("recover_within", func(c *Criteria) *time.Duration { return &c.RecoverWithin }, 60*time.Second, "",
				"all partitions at lag 0 within this after producers stop"),
		}},
	{Name: "db-consistent", Enforced: true, judge: dbConsistent,
		Judges: "the kitchen database does not show an order at the last step the log holds for it, with all its dishes (poison orders aside)"},
	{Name: "no-stuck-partition", Enforced: true, judge: noStuckPartition,
		Judges: "a partition's committed offset stands still longer than max_stall while it has lag and other partitions move",
		Thresholds: []Threshold{
			duration("max_stall", func(c *Criteria) *time.Duration { return &c.MaxStall }, 30*time.Second, "",
				"longest a lagging partition's commit may stand still while others move"),
		}},
	{Name: "no-healthy-diverted", Enforced: true, judge: noHealthyDiverted,
		Judges: "a record that is not poison was skipped, dead-lettered or given up by the kitchen display"},
	{Name: "no-downstream-overload", Enforced: true, judge: noDownstreamOverload,
		Judges: "the kitchen display drove a service it calls past its capacity: requests refused as overloaded, or served after their caller gave up"},
	{Name: "rebalances", EnforcedBy: []string{"max_rebalances", "max_unowned"}, judge: rebalances,
		Judges: "the group rebalanced more than max_rebalances times during the workload, or a partition stayed without an owner longer than max_unowned",
		Thresholds: []Threshold{
			count("max_rebalances", func(c *Criteria) *int64 { return &c.MaxRebalances }, "reported only", "rebalances",
				"most group generations allowed during the workload; makes rebalances enforced"),
			duration("max_unowned", func(c *Criteria) *time.Duration { return &c.MaxUnowned }, 0, "reported only",
				"longest a partition may go without an owner; makes rebalances enforced"),
		}},
	{Name: "recovery", EnforcedBy: []string{"max_recovery"}, judge: recovery,
		Judges: "after a fault is healed or a flood sent, the group's lag is not back to its level before within max_recovery",
		Thresholds: []Threshold{
			duration("max_recovery", func(c *Criteria) *time.Duration { return &c.MaxRecovery }, 0, "reported only",
				"lag back to its level before each fault and flood within this after it ends; makes recovery enforced"),
		}},
	{Name: "ack-gap", EnforcedBy: []string{"max_ack_gap"}, judge: ackGap,
		Judges: "the longest gap between successful acks exceeds max_ack_gap",
		Thresholds: []Threshold{
			duration("max_ack_gap", func(c *Criteria) *time.Duration { return &c.MaxAckGap }, 0, "reported only",
				"longest allowed gap between acks; makes ack-gap enforced"),
		}},
}

// Names lists every verdict, in report order.
func Names() []string {
	out := make([]string, len(Catalog))
	for i, a := range Catalog {
		out[i] = a.Name
	}
	return out
}

// enforced says whether a verdict fails the run under c.
func (a Assertion) enforced(c Criteria) bool {
	if a.Enforced {
		return true
	}
	for _, key := range a.EnforcedBy {
		if t, ok := ThresholdByKey(key); ok && !t.isZero(c) {
			return true
		}
	}
	return false
}

// Threshold is one setting verdicts are judged by, written under
// `assertions:` in a scenario file.
type Threshold struct {
	Key string // the scenario field under assertions:
	Doc string
	// Zero says what an explicit zero means ("no limit"); empty: a zero is refused.
	Zero  string
	unit  string // of a count, for messages
	def   any
	field func(*Criteria) any // the Criteria field it sets, as a pointer
}

func duration(key string, f func(*Criteria) *time.Duration, def time.Duration, zero, doc string) Threshold {
	return Threshold{Key: key, Doc: doc, Zero: zero, def: def, field: func(c *Criteria) any { return f(c) }}
}

func count(key string, f func(*Criteria) *int64, zero, unit, doc string) Threshold {
	return Threshold{Key: key, Doc: doc, Zero: zero, unit: unit, def: int64(0), field: func(c *Criteria) any { return f(c) }}
}

func flag(key string, f func(*Criteria) *bool, doc string) Threshold {
	return Threshold{Key: key, Doc: doc, Zero: "off", def: false, field: func(c *Criteria) any { return f(c) }}
}

// Field returns a pointer to the Criteria field t sets: *time.Duration,
// *int64 or *bool. Decoders write through it.
func (t Threshold) Field(c *Criteria) any { return t.field(c) }

// Default is t's value when a scenario does not set it.
func (t Threshold) Default() any { return t.def }

// SetDefault writes t's default into c.
func (t Threshold) SetDefault(c *Criteria) {
	switch p := t.field(c).(type) {
	case *time.Duration:
		*p = t.def.(time.Duration)
	case *int64:
		*p = t.def.(int64)
	case *bool:
		*p = t.def.(bool)
	}
}

func (t Threshold) isZero(c Criteria) bool {
	switch p := t.field(&c).(type) {
	case *time.Duration:
		return *p == 0
	case *int64:
		return *p == 0
	case *bool:
		return !*p
	}
	return true
}

// Check says what is wrong with t's value in c, at field t.Key.
func (t Threshold) Check(c Criteria) problem.List {
	var msg string
	switch p := t.field(&c).(type) {
	case *time.Duration:
		switch {
		case t.Zero == "" && *p <= 0:
			msg = "want a positive duration"
		case *p < 0:
			msg = fmt.Sprintf("want 0 (%s) or a positive duration", t.Zero)
		}
	case *int64:
		switch {
		case t.Zero == "" && *p <= 0:
			msg = fmt.Sprintf("want a positive number of %s", t.unit)
		case *p < 0:
			msg = fmt.Sprintf("want 0 (%s) or a positive number of %s", t.Zero, t.unit)
		}
	}
	if msg == "" {
		return nil
	}
	return problem.List{{Field: t.Key, Msg: msg}}
}

// Thresholds lists every threshold of every assertion, in catalog order.
func Thresholds() []Threshold {
	var out []Threshold
	for _, a := range Catalog {
		out = append(out, a.Thresholds...)
	}
	return out
}

// ThresholdByKey finds a threshold by its scenario field name.
func ThresholdByKey(key string) (Threshold, bool) {
	for _, t := range Thresholds() {
		if t.Key == key {
			return t, true
		}
	}
	return Threshold{}, false
}

// DefaultCriteria is every threshold at its default.
func DefaultCriteria() Criteria {
	var c Criteria
	for _, t := range Thresholds() {
		t.SetDefault(&c)
	}
	return c
}

// withDefaults gives every threshold that may not be zero its default, so a
// zero Criteria judges like a scenario that sets nothing.
func (c Criteria) withDefaults() Criteria {
	for _, t := range Thresholds() {
		if t.Zero == "" && t.isZero(c) {
			t.SetDefault(&c)
		}
	}
	return c
}
