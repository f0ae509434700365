package ledger

import "time"

// Fixed times and ids for synthetic histories.

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// at is t0 plus s seconds.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

const (
	testRun = "run-1"
	testEnv = "prod"
	// testStall is the default max_stall, which the tests ran with when
	// they built ledgers through assertions.NewLedger.
	testStall = 30 * time.Second
)

// event is record (producer, seq) of this run.
func event(p uint32, seq uint64) Event {
	return Event{Run: testRun, Env: testEnv, Producer: p, Seq: seq, Intended: at(1), Sent: at(1)}
}
