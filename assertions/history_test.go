package assertions

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// Synthetic histories for the ledger: sends with their outcomes, the drain
// and the group's processing, on a fake clock.

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// at is t0 plus s seconds.
func at(s float64) time.Time { return t0.Add(seconds(s)) }

const (
	testRun = "run-1"
	testEnv = "prod"
)

type history struct {
	l      *ledger.Ledger
	crit   Criteria
	now    time.Time       // when acks arrive
	behind int64           // offsets the group has left per partition at the end
	next   map[int32]int64 // next offset per partition
	log    map[int32][]ledger.Event
	start  map[int32]int64 // log start per partition at the drain: retention deleted what is below
	// db is the kitchen database at the end; nil: every order of the log
	// at its last step, complete (a consistent database).
	db map[uint64]dbRow
}

type dbRow struct {
	step             ledger.Step
	complete, failed bool
}

// newHistory starts a history whose kitchen database counts as read, so
// cases that judge lag alone need not model it.
func newHistory(c Criteria) *history {
	h := &history{l: NewLedger(testRun, testEnv, t0, c), crit: c, now: at(1.01), next: map[int32]int64{}, log: map[int32][]ledger.Event{},
		start: map[int32]int64{}}
	h.l.SinkRead()
	h.l.TrackPositions()
	return h
}

// event is record (producer, seq) of this run, not yet written anywhere.
func event(p uint32, seq uint64) ledger.Event {
	return ledger.Event{Run: testRun, Env: testEnv, Producer: p, Seq: seq, Intended: at(1), Sent: at(1)}
}

// write appends e to partition's log at the next offset and returns it placed.
func (h *history) write(e ledger.Event, partition int32) ledger.Event {
	e.Partition, e.Offset = partition, h.next[partition]
	h.next[partition]++
	h.log[partition] = append(h.log[partition], e)
	return e
}

// acked writes e and tells the ledger the send was acked.
func (h *history) acked(e ledger.Event, partition int32) ledger.Event {
	e = h.write(e, partition)
	h.l.Acked(ledger.ID{Producer: e.Producer, Seq: e.Seq}, e.Partition, e.Offset, e.Intended, e.Sent, h.now)
	return e
}

// flow sends seqs [from, to) of producer p, acked on partition, and has the
// group process each once.
func (h *history) flow(p uint32, from, to uint64, partition int32) {
	for seq := from; seq < to; seq++ {
		e := h.acked(event(p, seq), partition)
		h.l.Processed(&e, at(1.5))
	}
}

// orderStep sends one step of an order, acked on partition 0.
func (h *history) orderStep(p uint32, seq, order uint64, step ledger.Step) ledger.Event {
	e := event(p, seq)
	e.Order, e.Step = order, step
	return h.acked(e, 0)
}

// finish drains every partition in offset order and ends the run with the
// group caught up (unless behind) right after the producers stopped.
func (h *history) finish() Report {
	for p, recs := range h.log {
		h.l.DrainEnd(p, h.start[p], h.next[p])
		for i := range recs {
			if recs[i].Offset >= h.start[p] {
				h.l.Drained(&recs[i])
			}
		}
	}
	for order, row := range h.database() {
		h.l.SinkRow(order, row.step, row.complete, row.failed)
	}
	h.l.ProduceStopped(at(10))
	for p := range h.next {
		h.l.SampleLag(at(10.5), p, h.next[p], h.next[p]-h.behind)
	}
	return Verify(h.l, h.crit)
}

// database is h.db, or the consistent one the log implies.
func (h *history) database() map[uint64]dbRow {
	if h.db != nil {
		return h.db
	}
	db := map[uint64]dbRow{}
	for _, recs := range h.log {
		for _, e := range recs {
			if e.Step != ledger.StepUnknown && e.Step.Rank() >= db[e.Order].step.Rank() {
				db[e.Order] = dbRow{step: e.Step, complete: true}
			}
		}
	}
	return db
}

// verdictCase is one synthetic history and what one verdict must say of it.
type verdictCase struct {
	name string
	crit Criteria
	run  func(h *history) Report
	want want
}

func runCases(t *testing.T, name string, cases []verdictCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, c.run(newHistory(c.crit)), name, c.want)
		})
	}
}

func verdict(t *testing.T, r Report, name string) Verdict {
	t.Helper()
	for _, v := range r.Verdicts {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no verdict %q", name)
	return Verdict{}
}

// want describes the expected verdict of a case.
type want struct {
	passed   bool
	enforced bool
	count    int64
	first    []string // exact
	summary  string   // substring
	details  []string // each a substring of some detail line
	failing  []string // Report.Failing(), exactly
}

func check(t *testing.T, r Report, name string, w want) {
	t.Helper()
	v := verdict(t, r, name)
	if v.Passed != w.passed || v.Enforced != w.enforced || v.Count != w.count {
		t.Errorf("%s: passed=%v enforced=%v count=%d, want %v %v %d (%s)",
			name, v.Passed, v.Enforced, v.Count, w.passed, w.enforced, w.count, v.Summary)
	}
	if w.first != nil && !slices.Equal(v.First, w.first) {
		t.Errorf("%s: first = %q\nwant %q", name, v.First, w.first)
	}
	if w.first == nil && w.passed && len(v.First) > 0 {
		t.Errorf("%s: passed with evidence %q", name, v.First)
	}
	if !strings.Contains(v.Summary, w.summary) {
		t.Errorf("%s: summary %q lacks %q", name, v.Summary, w.summary)
	}
	for _, d := range w.details {
		if !slices.ContainsFunc(v.Details, func(s string) bool { return strings.Contains(s, d) }) {
			t.Errorf("%s: details %q lack %q", name, v.Details, d)
		}
	}
	if got := r.Failing(); !slices.Equal(got, w.failing) {
		t.Errorf("failing = %q, want %q", got, w.failing)
	}
	if r.Passed() != (len(w.failing) == 0) {
		t.Errorf("Passed() = %v with failing %q", r.Passed(), r.Failing())
	}
}
