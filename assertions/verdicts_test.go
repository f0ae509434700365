package assertions

import (
	"slices"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/internal/seqset"
	"github.com/chaosrun/chaosrun/ledger"
)

// Each anomaly class gets a good and a bad history; every case also pins the
// full list of failing verdicts, so an anomaly trips only its own verdict.

func TestNoKafkaLoss(t *testing.T) {
	runCases(t, "no-kafka-loss", []verdictCase{
		{
			name: "every acked record in the log",
			run: func(h *history) Report {
				h.flow(0, 0, 100, 2)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 acked records missing from the log (100 acked)"},
		},
		{
			name: "truncated partition",
			run: func(h *history) Report {
				h.flow(0, 0, 100, 2)
				h.flow(0, 100, 110, 1)
				h.log[2], h.next[2] = h.log[2][:50], 50 // unclean election: the tail is gone
				return h.finish()
			},
			want: want{
				enforced: true, count: 50, first: []string{"p0/s50-s99"},
				summary: "50 acked records missing from the log (110 acked)",
				details: []string{
					"partition 2: highest acked offset 99 but log ends at 50",
					"partition 2: 100 acked but 50 records of this run in the log",
				},
				failing: []string{"no-kafka-loss"},
			},
		},
		{
			name: "holes in the log",
			run: func(h *history) Report {
				h.flow(1, 0, 30, 0)
				h.log[0] = slices.Delete(h.log[0], 20, 23)
				h.log[0] = slices.Delete(h.log[0], 10, 11)
				return h.finish()
			},
			want: want{
				enforced: true, count: 4, first: []string{"p1/s10", "p1/s20-s22"},
				details: []string{"partition 0: 30 acked but 26 records of this run in the log"},
				failing: []string{"no-kafka-loss"},
			},
		},
		{
			name: "unknown send missing from the log is no loss",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				h.l.Unknown(ledger.ID{Producer: 0, Seq: 5}, at(1), at(1), at(2))
				h.flow(0, 6, 10, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 acked records missing from the log (9 acked)"},
		},
		{
			name: "partition never drained",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				h.l.Acked(ledger.ID{Producer: 0, Seq: 5}, 7, 0, at(1), at(1), at(2))
				return h.finish()
			},
			want: want{
				enforced: true, count: 1, first: []string{"p0/s5"},
				details: []string{"partition 7: 1 acked up to offset 0, but the drain never read it"},
				failing: []string{"no-kafka-loss"},
			},
		},
	})
}

func TestNoConsumerLoss(t *testing.T) {
	runCases(t, "no-consumer-loss", []verdictCase{
		{
			name: "everything in the log processed",
			run: func(h *history) Report {
				h.flow(0, 0, 100, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 records in the log never processed (100 in log)"},
		},
		{
			name: "in the log but never processed",
			run: func(h *history) Report {
				for seq := uint64(0); seq < 8; seq++ {
					e := h.acked(event(0, seq), 0)
					if seq < 5 {
						h.l.Processed(&e, at(2))
					}
				}
				h.write(event(0, 8), 0) // written although the producer timed out
				h.l.Unknown(ledger.ID{Producer: 0, Seq: 8}, at(1), at(1), at(3))
				h.flow(0, 9, 12, 0)
				return h.finish()
			},
			want: want{
				enforced: true, count: 4, first: []string{"p0/s5-s8"},
				summary: "4 records in the log never processed (12 in log)",
				failing: []string{"no-consumer-loss"},
			},
		},
		{
			name: "unknown send in the log and processed",
			run: func(h *history) Report {
				e := h.write(event(0, 0), 0)
				h.l.Unknown(ledger.ID{Producer: 0, Seq: 0}, at(1), at(1), at(3))
				h.l.Processed(&e, at(2))
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "(1 in log)"},
		},
		{
			name: "the group still lagging explains the loss",
			run: func(h *history) Report {
				h.acked(event(0, 0), 0)
				h.behind = 1
				return h.finish()
			},
			want: want{
				enforced: true, count: 1, first: []string{"p0/s0"},
				details: []string{"the group still lagged 1 offsets at the last lag sample (t+10.5s)"},
				failing: []string{"no-consumer-loss", "lag-recovers"},
			},
		},
	})
}

func TestNoUnexpected(t *testing.T) {
	runCases(t, "no-unexpected", []verdictCase{
		{
			name: "only this run's records",
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				h.flow(1, 0, 10, 1)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 records processed or in the log that this run never sent"},
		},
		{
			name: "processed record of another run",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				e := event(0, 3)
				e.Run = "run-0"
				h.l.Processed(&e, at(2))
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{`p0/s3 processed from partition 0 offset 0: run "run-0" is another run`},
				details: []string{"1 of another run"},
				failing: []string{"no-unexpected"},
			},
		},
		{
			name: "drained record of another env",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				e := event(0, 9)
				e.Env = "pre"
				h.write(e, 0)
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{`p0/s9 in log at partition 0 offset 5: env "pre" is another env`},
				details: []string{"1 of another env"},
				failing: []string{"no-unexpected"},
			},
		},
		{
			name: "record of a failed send processed and in the log",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				e := h.write(event(0, 5), 0)
				h.l.Failed(ledger.ID{Producer: 0, Seq: 5}, at(1), at(1), at(2))
				h.l.Processed(&e, at(2))
				h.flow(0, 6, 8, 0)
				return h.finish()
			},
			want: want{
				enforced: true, count: 2,
				first:   []string{"p0/s5 processed: its send failed", "p0/s5 in log: its send failed"},
				details: []string{"2 whose send failed"},
				failing: []string{"no-unexpected"},
			},
		},
		{
			name: "never-sent seqs and producers",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				e := h.write(event(0, 9), 0)
				h.l.Processed(&e, at(2))
				stranger := event(4, 0)
				h.l.Processed(&stranger, at(2))
				return h.finish()
			},
			want: want{
				enforced: true, count: 3,
				first:   []string{"p0/s9 processed: never sent", "p4/s0 processed: never sent", "p0/s9 in log: never sent"},
				details: []string{"3 never sent"},
				failing: []string{"no-unexpected"},
			},
		},
		{
			name: "id beyond any producer's range",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				e := event(0, seqset.MaxSeq)
				h.l.Processed(&e, at(2))
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"p0/s68719476736 processed from partition 0 offset 0: id out of range, never sent"},
				failing: []string{"no-unexpected"},
			},
		},
		{
			name: "foreign record in the log",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				h.l.DrainedForeign(3, 17, "no run header")
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"record in log at partition 3 offset 17: foreign (no run header)"},
				details: []string{"1 foreign in the log"},
				failing: []string{"no-unexpected"},
			},
		},
	})
}

func TestNoDuplicates(t *testing.T) {
	processedTwice := func(h *history) Report {
		h.flow(0, 0, 5, 0)
		h.l.Processed(&h.log[0][3], at(3))
		return h.finish()
	}
	runCases(t, "no-duplicates", []verdictCase{
		{
			name: "each record once",
			crit: Criteria{ForbidDuplicates: true},
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 duplicate processings, 0 duplicate copies in the log"},
		},
		{
			name: "processed twice, forbidden",
			crit: Criteria{ForbidDuplicates: true},
			run:  processedTwice,
			want: want{
				enforced: true, count: 1,
				first:   []string{"p0/s3 processed again from partition 0 offset 3"},
				summary: "1 duplicate processings, 0 duplicate copies in the log",
				failing: []string{"no-duplicates"},
			},
		},
		{
			name: "processed twice, reported only",
			run:  processedTwice,
			want: want{
				count:   1,
				first:   []string{"p0/s3 processed again from partition 0 offset 3"},
				details: []string{"reported only"},
			},
		},
		{
			name: "two copies in the log",
			crit: Criteria{ForbidDuplicates: true},
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				h.write(h.log[0][2], 0) // a retry written twice
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"p0/s2 in log again at partition 0 offset 5"},
				summary: "0 duplicate processings, 1 duplicate copies in the log",
				failing: []string{"no-duplicates"},
			},
		},
	})
}

func TestKeyOrder(t *testing.T) {
	// steps sends one order's steps (seqs from seq0) and returns them.
	steps := func(h *history, seq0, order uint64, ss ...ledger.Step) []ledger.Event {
		var out []ledger.Event
		for i, s := range ss {
			out = append(out, h.orderStep(0, seq0+uint64(i), order, s))
		}
		return out
	}
	process := func(h *history, es ...ledger.Event) {
		for i := range es {
			h.l.Processed(&es[i], at(2))
		}
	}
	runCases(t, "key-order", []verdictCase{
		{
			name: "steps in order, orders interleaved",
			run: func(h *history) Report {
				a := steps(h, 0, 1, ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted)
				b := steps(h, 3, 2, ledger.StepCreated, ledger.StepCancelled)
				process(h, a[0], b[0], a[1], b[1], a[2])
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 order steps processed out of order (2 orders finished, 0 still open)"},
		},
		{
			name: "step goes backwards",
			run: func(h *history) Report {
				process(h, steps(h, 0, 7, ledger.StepCreated, ledger.StepPaid, ledger.StepCreated)...)
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"order 7: created after paid (p0/s2 from partition 0 offset 2)"},
				failing: []string{"key-order"},
			},
		},
		{
			name: "processed in another order than sent",
			run: func(h *history) Report {
				e := steps(h, 0, 7, ledger.StepCreated, ledger.StepPaid)
				process(h, e[1], e[0])
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"order 7: created after paid (p0/s0 from partition 0 offset 0)"},
				failing: []string{"key-order"},
			},
		},
		{
			name: "step after completed",
			run: func(h *history) Report {
				process(h, steps(h, 0, 77, ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted, ledger.StepPaid)...)
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"order 77: paid after completed (p0/s3 from partition 0 offset 3)"},
				failing: []string{"key-order"},
			},
		},
		{
			name: "step after cancelled",
			run: func(h *history) Report {
				process(h, steps(h, 0, 78, ledger.StepCreated, ledger.StepCancelled, ledger.StepPaid, ledger.StepCompleted)...)
				return h.finish()
			},
			want: want{
				enforced: true, count: 2,
				first: []string{
					"order 78: paid after cancelled (p0/s2 from partition 0 offset 2)",
					"order 78: completed after cancelled (p0/s3 from partition 0 offset 3)",
				},
				failing: []string{"key-order"},
			},
		},
		{
			name: "re-delivery after a rebalance is a duplicate, not disorder",
			run: func(h *history) Report {
				e := steps(h, 0, 9, ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted)
				process(h, e[0], e[1])
				process(h, e[0], e[1], e[2]) // new owner starts from the last commit
				process(h, e[0], e[1], e[2]) // and once more after the order finished
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "(1 orders finished, 0 still open)"},
		},
		{
			name: "orders are told apart by producer",
			run: func(h *history) Report {
				other := OrderIDForTest(1, 5)
				process(h, steps(h, 0, other, ledger.StepCreated, ledger.StepCompleted)...)
				process(h, steps(h, 2, 5, ledger.StepCreated, ledger.StepPaid)...) // producer 0's order 5: unrelated
				process(h, steps(h, 4, other, ledger.StepPaid)...)
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"order 1099511627781: paid after completed (p0/s4 from partition 0 offset 4)"},
				summary: "1 order steps processed out of order (1 orders finished, 1 still open)",
				failing: []string{"key-order"},
			},
		},
		{
			name: "records without a step are not judged",
			run: func(h *history) Report {
				process(h, steps(h, 0, 3, ledger.StepCreated, ledger.StepCompleted, ledger.StepUnknown, ledger.StepUnknown)...)
				return h.finish()
			},
			want: want{passed: true, enforced: true},
		},
	})
}

// OrderIDForTest numbers orders as the workload does (orders.OrderID):
// the producer above a 40-bit ordinal, which is how the ledger splits them.
func OrderIDForTest(producer uint32, ordinal uint64) uint64 {
	return uint64(producer)<<40 | ordinal | ordinal
}

func TestLogOrder(t *testing.T) {
	runCases(t, "log-order", []verdictCase{
		{
			name: "producers and partitions interleave freely",
			run: func(h *history) Report {
				h.flow(0, 5, 6, 0)
				h.flow(1, 0, 3, 0)
				h.flow(0, 0, 5, 1)
				h.flow(1, 3, 4, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 records in the log after a later send"},
		},
		{
			name: "retry lands after a later send",
			run: func(h *history) Report {
				for _, seq := range []uint64{0, 2, 1, 3} {
					e := h.acked(event(0, seq), 3)
					h.l.Processed(&e, at(2))
				}
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"partition 3: p0/s1 at offset 2 after p0/s2 at offset 1"},
				failing: []string{"log-order"},
			},
		},
		{
			name: "a duplicate copy is not disorder",
			run: func(h *history) Report {
				h.flow(0, 0, 2, 3)
				h.write(h.log[3][1], 3)
				h.flow(0, 2, 4, 3)
				return h.finish()
			},
			want: want{passed: true, enforced: true},
		},
	})
}

func TestAckGap(t *testing.T) {
	acksAt := func(times ...float64) func(h *history) Report {
		return func(h *history) Report {
			for i, s := range times {
				h.now = at(s)
				h.flow(0, uint64(i), uint64(i+1), 0)
			}
			h.l.ProduceStopped(at(times[len(times)-1] + 0.5)) // producers stop right after the last ack
			return h.finish()
		}
	}
	runCases(t, "ack-gap", []verdictCase{
		{
			name: "within the limit",
			crit: Criteria{MaxAckGap: 2 * time.Second},
			run:  acksAt(1, 2, 3),
			want: want{passed: true, enforced: true, summary: "longest gap between acks 1s, from t+1.0s to t+2.0s (limit 2s)"},
		},
		{
			name: "acks that never resume before producers stop",
			crit: Criteria{MaxAckGap: 2 * time.Second},
			run: func(h *history) Report {
				for i, s := range []float64{1, 2} {
					h.now = at(s)
					h.flow(0, uint64(i), uint64(i+1), 0)
				}
				return h.finish() // producers stop at t+10
			},
			want: want{passed: false, enforced: true, count: 1, summary: "longest gap between acks 8s, from t+2.0s to t+10.0s", failing: []string{"ack-gap"}},
		},
		{
			name: "stall beyond the limit",
			crit: Criteria{MaxAckGap: 2 * time.Second},
			run:  acksAt(1, 6, 6.5),
			want: want{
				enforced: true, count: 1,
				summary: "longest gap between acks 5s, from t+1.0s to t+6.0s (limit 2s)",
				failing: []string{"ack-gap"},
			},
		},
		{
			name: "reported only without a limit",
			run:  acksAt(1, 6, 6.5),
			want: want{passed: true, summary: "longest gap between acks 5s"},
		},
		{
			name: "callbacks racing backwards make no gap",
			crit: Criteria{MaxAckGap: 3 * time.Second},
			run:  acksAt(1, 3, 2, 3.5),
			want: want{passed: true, enforced: true, summary: "longest gap between acks 2s, from t+1.0s to t+3.0s"},
		},
		{
			name: "a single ack fails an enforced limit",
			crit: Criteria{MaxAckGap: time.Second},
			run:  acksAt(1),
			want: want{passed: false, enforced: true, count: 1, summary: "fewer than two acks", failing: []string{"ack-gap"}},
		},
	})
}
