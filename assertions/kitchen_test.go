package assertions

import (
	"errors"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// order sends the steps of one order of producer 0 (seqs from seq0) on
// partition 0 and has the group process them.
func (h *history) order(seq0, order uint64, steps ...ledger.Step) []ledger.Event {
	var out []ledger.Event
	for i, s := range steps {
		e := h.orderStep(0, seq0+uint64(i), order, s)
		h.l.Processed(&e, at(2))
		out = append(out, e)
	}
	return out
}

func TestDBConsistent(t *testing.T) {
	runCases(t, "db-consistent", []verdictCase{
		{
			name: "every order at its last step",
			run: func(h *history) Report {
				h.order(0, 1, ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted)
				h.order(3, 2, ledger.StepCreated, ledger.StepPaid)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 of 2 orders in the log not shown at their last step by the kitchen database (2 rows)"},
		},
		{
			name: "first event failed and was skipped: later updates found no row",
			run: func(h *history) Report {
				h.order(0, 1, ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted)
				h.order(3, 2, ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted)
				h.order(6, 3, ledger.StepCreated, ledger.StepPaid)
				h.db = map[uint64]dbRow{1: {ledger.StepCompleted, true, false}, 3: {ledger.StepCreated, true, false}}
				return h.finish()
			},
			want: want{
				enforced: true, count: 2,
				first: []string{
					"order 2 (completed in the log): missing from the kitchen database",
					"order 3 (paid in the log): behind the log (database: created)",
				},
				details: []string{"1 orders missing from the kitchen database", "1 orders behind the log"},
				failing: []string{"db-consistent"},
			},
		},
		{
			name: "replica lag: rows without their dishes",
			run: func(h *history) Report {
				h.order(0, 5, ledger.StepCreated, ledger.StepPaid, ledger.StepCompleted)
				h.db = map[uint64]dbRow{5: {ledger.StepCompleted, false, false}}
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"order 5 (completed in the log): without all its dishes (database: completed)"},
				failing: []string{"db-consistent"},
			},
		},
		{
			name: "an order the kitchen gave up on is marked failed",
			run: func(h *history) Report {
				h.order(0, 6, ledger.StepCreated, ledger.StepPaid)
				h.db = map[uint64]dbRow{6: {ledger.StepCreated, true, true}}
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"order 6 (paid in the log): marked failed (database: created)"},
				failing: []string{"db-consistent"},
			},
		},
		{
			name: "poison orders are the dead-letter path's business",
			run: func(h *history) Report {
				h.order(0, 7, ledger.StepCreated, ledger.StepPaid)
				h.l.Poisoned(ledger.ID{Producer: 0, Seq: 1}, 7, false)
				h.db = map[uint64]dbRow{7: {ledger.StepCreated, true, false}}
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 of 0 orders"},
		},
		{
			name: "a database that was never read proves nothing",
			run: func(h *history) Report {
				h.l = NewLedger(testRun, testEnv, t0, Criteria{})
				h.flow(0, 0, 5, 0)
				h.db = map[uint64]dbRow{}
				h.l.ProduceStopped(at(10))
				h.l.SampleLag(at(10.5), 0, 5, 5)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1, summary: "the kitchen database was never read",
				failing: []string{"no-kafka-loss", "db-consistent"}, // nothing drained either
			},
		},
	})
}

// moving samples partition p with its commit advancing every sample.
func moving(h *history, p int32, from, to float64) {
	for s := from; s < to; s += 0.25 {
		end := int64(s*400) + 100
		h.l.SampleLag(at(s), p, end, end-50)
	}
}

func TestNoStuckPartition(t *testing.T) {
	crit := Criteria{MaxStall: 5 * time.Second, MaxLag: time.Minute}
	runCases(t, "no-stuck-partition", []verdictCase{
		{
			name: "every partition moves",
			crit: crit,
			run: func(h *history) Report {
				moving(h, 0, 0, 10)
				moving(h, 1, 0, 10)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 10.5, 0, 1)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true, summary: "no partition stalled with lag for longer than 5s"},
		},
		{
			name: "one partition stuck on a record while the other moves",
			crit: crit,
			run: func(h *history) Report {
				moving(h, 0, 0, 12)
				stuck(h, 1, 0, 12, 40)
				e := event(0, 9)
				e.Order, e.Step, e.Partition, e.Offset = 3, ledger.StepCreated, 1, 41
				h.l.Failing(&e, errors.New("sink: UNIQUE constraint failed: orders.order_id"), 44, at(1))
				h.l.ProduceStopped(at(12))
				caughtUp(h, 12.5, 0)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				first: []string{"partition 1: committed offset stood at 40 from t+0.0s to t+11.8s (11.75s) with 4760 offsets of lag while others moved; " +
					"stuck on p0/s9 (order 3 created) at offset 41: sink: UNIQUE constraint failed: orders.order_id (44 attempts)"},
				summary: "1 stalls longer than 5s while other partitions moved (longest 11.75s)",
				failing: []string{"lag-recovers", "no-stuck-partition"},
			},
		},
		{
			name: "a stall that ends is still a stall",
			crit: crit,
			run: func(h *history) Report {
				moving(h, 0, 0, 12)
				stuck(h, 1, 0, 8, 40)
				moving(h, 1, 8, 12)
				h.l.ProduceStopped(at(12))
				caughtUp(h, 12.5, 0, 1)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				first:   []string{"partition 1: committed offset stood at 40 from t+0.0s to t+8.0s (8s) with 3160 offsets of lag while others moved"},
				failing: []string{"no-stuck-partition"},
			},
		},
		{
			name: "the whole group stopped: no partition stuck apart",
			crit: crit,
			run: func(h *history) Report {
				stuck(h, 0, 0, 12, 10)
				stuck(h, 1, 0, 12, 10)
				h.l.ProduceStopped(at(12))
				caughtUp(h, 12.5, 0, 1)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true},
		},
		{
			name: "an idle partition is not stuck",
			crit: crit,
			run: func(h *history) Report {
				moving(h, 0, 0, 12)
				for s := 0.0; s < 12; s += 0.25 {
					h.l.SampleLag(at(s), 1, 40, 40)
				}
				h.l.ProduceStopped(at(12))
				caughtUp(h, 12.5, 0, 1)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true},
		},
	})
}

func TestNoHealthyDiverted(t *testing.T) {
	runCases(t, "no-healthy-diverted", []verdictCase{
		{
			name: "only poison dead-lettered, and found in the dead-letter topic",
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				p := h.acked(event(0, 10), 0)
				h.l.Poisoned(ledger.ID{Producer: 0, Seq: 10}, 0, false)
				h.l.Diverted(&p, ledger.DeadLettered)
				h.l.DrainedDeadLetter(&p)
				h.flow(0, 11, 20, 0)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 healthy records skipped, dead-lettered or given up (1 diverted in all, 1 poison sent)",
				details: []string{"1 dead-lettered, 0 of them healthy"}},
		},
		{
			name: "healthy records skipped and given up",
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				for seq := uint64(3); seq < 6; seq++ {
					e := h.acked(event(0, seq), 0)
					h.l.Parked(&e)
					h.l.Diverted(&e, map[bool]ledger.Diversion{true: ledger.Skipped, false: ledger.GaveUp}[seq < 5])
				}
				return h.finish()
			},
			want: want{
				enforced: true, count: 3,
				first:   []string{"p0/s3-s4 skipped", "p0/s5 given up"},
				details: []string{"2 skipped, 2 of them healthy", "1 given up, 1 of them healthy"},
				failing: []string{"no-healthy-diverted"},
			},
		},
		{
			name: "a refused order is poison as a whole, an earlier step included",
			run: func(h *history) Report {
				created := h.orderStep(0, 0, 9, ledger.StepCreated)
				paid := h.orderStep(0, 1, 9, ledger.StepPaid)
				h.l.Poisoned(ledger.ID{Producer: 0, Seq: 1}, 9, true) // the service refuses order 9 from its paid step on
				h.l.Diverted(&created, ledger.DeadLettered)
				h.l.DrainedDeadLetter(&created)
				h.l.Diverted(&paid, ledger.DeadLettered)
				h.l.DrainedDeadLetter(&paid)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 healthy records skipped, dead-lettered or given up (2 diverted in all, 2 poison sent)"},
		},
		{
			name: "given up behind a poison record, or diverted then processed after all",
			run: func(h *history) Report {
				bad := h.orderStep(0, 0, 4, ledger.StepCreated)
				behind := h.orderStep(0, 1, 4, ledger.StepPaid)
				h.l.Poisoned(ledger.ID{Producer: 0, Seq: 0}, 4, false)
				h.l.Diverted(&bad, ledger.GaveUp)
				h.l.Diverted(&behind, ledger.GaveUp)
				skipped := h.acked(event(0, 2), 0)
				h.l.Diverted(&skipped, ledger.Skipped)
				h.l.Processed(&skipped, at(3)) // redelivered after a crash and processed
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 healthy records skipped"},
		},
		{
			name: "dead-lettered but missing from the dead-letter topic is consumer loss",
			run: func(h *history) Report {
				e := h.acked(event(0, 0), 0)
				h.l.Poisoned(ledger.ID{Producer: 0, Seq: 0}, 0, false)
				h.l.Diverted(&e, ledger.DeadLettered)
				f := h.acked(event(0, 1), 0)
				h.l.Parked(&f)
				return h.finish()
			},
			want: want{passed: true, enforced: true, failing: []string{"no-consumer-loss"}},
		},
	})
}

// The loss a diverted record leaves is named by how it happened.
func TestConsumerLossNamesParkedAndDeadLettered(t *testing.T) {
	h := newHistory(Criteria{})
	e := h.acked(event(0, 0), 0)
	h.l.Diverted(&e, ledger.DeadLettered)
	f := h.acked(event(0, 1), 0)
	h.l.Parked(&f)
	h.acked(event(0, 2), 0)
	v := verdict(t, h.finish(), "no-consumer-loss")
	want := []string{"p0/s2", "p0/s1 parked in the retry table, never applied", "p0/s0 dead-lettered, but not in the dead-letter topic"}
	if v.Count != 3 || len(v.First) != 3 || v.First[0] != want[0] || v.First[1] != want[1] || v.First[2] != want[2] {
		t.Errorf("no-consumer-loss: count %d, first %q, want %q", v.Count, v.First, want)
	}
}

func TestNoDownstreamOverload(t *testing.T) {
	runCases(t, "no-downstream-overload", []verdictCase{
		{
			name: "no service",
			run:  func(h *history) Report { h.flow(0, 0, 5, 0); return h.finish() },
			want: want{passed: true, enforced: true, summary: "no downstream service in this run"},
		},
		{
			name: "pool sized to the service",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				h.l.Downstream("order-service", ledger.DownstreamStats{Requests: 900, Capacity: 10, Callers: 10})
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 requests over a downstream service's capacity",
				details: []string{"order-service: 0 of 900 requests refused as overloaded, 0 queued for a slot and served after their caller gave up (capacity 10, the kitchen runs up to 10 lookups at once)"}},
		},
		{
			name: "fifty workers against ten slots",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				h.l.Downstream("order-service", ledger.DownstreamStats{Requests: 5000, Overloaded: 1200, Abandoned: 3, Capacity: 10, Callers: 50})
				return h.finish()
			},
			want: want{
				enforced: true, count: 1203,
				first:   []string{"order-service: 1200 of 5000 requests refused as overloaded, 3 queued for a slot and served after their caller gave up (capacity 10, the kitchen runs up to 50 lookups at once)"},
				failing: []string{"no-downstream-overload"},
			},
		},
	})
}
