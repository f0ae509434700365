package assertions

import (
	"testing"

	"github.com/chaosrun/chaosrun/ledger"
)

// aborted sends e in a transaction that was aborted: the record sits in
// the log at the next offset, but a read_committed drain skips it.
func (h *history) aborted(e ledger.Event, partition int32) ledger.Event {
	e.Partition, e.Offset = partition, h.next[partition]
	h.next[partition]++
	h.l.Aborted(ledger.ID{Producer: e.Producer, Seq: e.Seq}, e.Intended, e.Sent, h.now)
	return e
}

// output reports results of events to the output topic, in order.
func (h *history) output(es ...ledger.Event) {
	for i, e := range es {
		e.Partition, e.Offset = 0, int64(i)
		h.l.DrainedOutput(&e)
	}
}

func TestNoAbortedRead(t *testing.T) {
	runCases(t, "no-aborted-read", []verdictCase{
		{
			name: "aborted records left alone",
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				for seq := uint64(10); seq < 15; seq++ {
					h.aborted(event(0, seq), 0)
				}
				h.flow(0, 15, 20, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 reads of records from aborted transactions (5 records aborted)"},
		},
		{
			name: "no transactions",
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "no transaction was aborted"},
		},
		{
			name: "read_uncommitted consumer processes aborted records",
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				for seq := uint64(10); seq < 15; seq++ {
					e := h.aborted(event(0, seq), 0)
					h.l.Processed(&e, at(2))
				}
				h.flow(0, 15, 20, 0)
				return h.finish()
			},
			want: want{enforced: true, count: 5, first: []string{"p0/s10-s14 processed: its transaction was aborted"},
				details: []string{"5 processed by the kitchen display: a consumer with isolation.level=read_uncommitted"},
				failing: []string{"no-aborted-read"}},
		},
		{
			name: "the read_committed drain is handed an aborted record",
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				e := h.write(event(0, 3), 0)
				h.l.Aborted(ledger.ID{Producer: 0, Seq: 3}, e.Intended, e.Sent, h.now)
				return h.finish()
			},
			want: want{enforced: true, count: 1, first: []string{"p0/s3 read by the read_committed drain: its transaction was aborted"},
				details: []string{"the brokers exposed aborted data"}, failing: []string{"no-aborted-read"}},
		},
	})
}

func TestNoDuplicateOutput(t *testing.T) {
	runCases(t, "no-duplicate-output", []verdictCase{
		{
			name: "one result per input",
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				h.output(event(0, 0), event(0, 1), event(0, 2))
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 input records with more than one result in the output topic (3 results read)"},
		},
		{
			name: "no pipeline",
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "no output topic in this run"},
		},
		{
			name: "a batch forwarded twice",
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				h.output(event(0, 0), event(0, 1), event(0, 1), event(0, 2))
				return h.finish()
			},
			want: want{enforced: true, count: 1, first: []string{"p0/s1 in output again at partition 0 offset 2"},
				details: []string{"exactly-once broken"}, failing: []string{"no-duplicate-output"}},
		},
	})
}

func TestNoLostCommit(t *testing.T) {
	runCases(t, "no-lost-commit", []verdictCase{
		{
			name: "every processed record has its result",
			run: func(h *history) Report {
				h.flow(0, 0, 4, 0)
				h.output(event(0, 0), event(0, 1), event(0, 2), event(0, 3))
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 processed input records without a committed result"},
		},
		{
			name: "results missing",
			run: func(h *history) Report {
				h.flow(0, 0, 4, 0)
				h.output(event(0, 0), event(0, 3))
				return h.finish()
			},
			want: want{enforced: true, count: 2, first: []string{"p0/s1-s2 processed, no result in the output topic"},
				summary: "2 processed input records without a committed result in the output topic (4 processed)",
				failing: []string{"no-lost-commit"}},
		},
		{
			name: "an empty output topic loses everything processed",
			run: func(h *history) Report {
				h.flow(0, 0, 2, 0)
				h.l.OutputRead()
				return h.finish()
			},
			want: want{enforced: true, count: 2, first: []string{"p0/s0-s1 processed, no result in the output topic"},
				failing: []string{"no-lost-commit"}},
		},
		{
			name: "not judged while the group is behind",
			run: func(h *history) Report {
				h.flow(0, 0, 4, 0)
				h.output(event(0, 0))
				h.behind = 2
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "not judged: the group had not committed all its input",
				failing: []string{"lag-recovers"}},
		},
		{
			name: "aborted and failed sends need no result",
			run: func(h *history) Report {
				h.flow(0, 0, 2, 0)
				h.aborted(event(0, 2), 0)
				h.l.Failed(ledger.ID{Producer: 0, Seq: 3}, at(1), at(1), at(2))
				h.output(event(0, 0), event(0, 1))
				return h.finish()
			},
			want: want{passed: true, enforced: true},
		},
	})
}

func TestOutputOrder(t *testing.T) {
	step := func(seq, order uint64, s ledger.Step) ledger.Event {
		e := event(0, seq)
		e.Order, e.Step = order, s
		return e
	}
	runCases(t, "output-order", []verdictCase{
		{
			name: "steps in order, a replay's copies aside",
			run: func(h *history) Report {
				a, b, c := h.orderStep(0, 0, 7, ledger.StepCreated), h.orderStep(0, 1, 7, ledger.StepPaid), h.orderStep(0, 2, 7, ledger.StepCompleted)
				for _, e := range []ledger.Event{a, b, c} {
					h.l.Processed(&e, at(2))
				}
				h.output(step(0, 7, ledger.StepCreated), step(1, 7, ledger.StepPaid), step(0, 7, ledger.StepCreated), step(2, 7, ledger.StepCompleted))
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 results in the output topic out of their order's step order",
				failing: []string{"no-duplicate-output"}}, // the copy is that verdict's
		},
		{
			name: "paid before created",
			run: func(h *history) Report {
				a, b := h.orderStep(0, 0, 7, ledger.StepCreated), h.orderStep(0, 1, 7, ledger.StepPaid)
				h.l.Processed(&a, at(2))
				h.l.Processed(&b, at(2))
				h.output(step(1, 7, ledger.StepPaid), step(0, 7, ledger.StepCreated))
				return h.finish()
			},
			want: want{enforced: true, count: 1, first: []string{"order 7: created (p0/s0) at output partition 0 offset 1 after paid"},
				failing: []string{"output-order"}},
		},
		{
			name: "a step after the final one",
			run: func(h *history) Report {
				a, b := h.orderStep(0, 0, 7, ledger.StepPaid), h.orderStep(0, 1, 7, ledger.StepCancelled)
				h.l.Processed(&a, at(2))
				h.l.Processed(&b, at(2))
				h.output(step(1, 7, ledger.StepCancelled), step(0, 7, ledger.StepPaid))
				return h.finish()
			},
			want: want{enforced: true, count: 1, failing: []string{"output-order"}},
		},
	})
}
