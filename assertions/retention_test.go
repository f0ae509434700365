package assertions

import (
	"testing"

	"github.com/chaosrun/chaosrun/ledger"
)

func TestNoRetentionLoss(t *testing.T) {
	runCases(t, "no-retention-loss", []verdictCase{
		{
			name: "retention deleted only what the group had read",
			run: func(h *history) Report {
				h.flow(0, 0, 100, 1)
				h.start[1] = 60
				h.l.SampleLag(at(5), 1, 100, 100)
				h.l.SampleLogStart(at(5), 1, 60)
				return h.finish()
			},
			want: want{passed: true, enforced: true, summary: "0 acked records deleted by retention"},
		},
		{
			name: "the log start passed the group's position",
			run: func(h *history) Report {
				h.flow(0, 0, 20, 1)
				for seq := uint64(20); seq < 50; seq++ {
					h.acked(event(0, seq), 1) // the group was down
				}
				h.l.SampleLag(at(5), 1, 50, 20)
				h.l.SampleLogStart(at(5.2), 1, 40)
				h.start[1] = 40
				return h.finish()
			},
			want: want{
				enforced: true, count: 20, first: []string{"p0/s20-s39"},
				summary: "20 acked records deleted by retention before the group processed them",
				details: []string{
					"partition 1: 20 records of this run deleted unread; the log now starts at offset 40; at t+5.2s it started at 40 while the group's committed offset was 20 (20 offsets deleted unread)",
					"not counted by no-kafka-loss",
				},
				// The 10 records left in the log were never processed either.
				failing: []string{"no-retention-loss", "no-consumer-loss"},
			},
		},
		{
			name: "a hole above the log start is Kafka's, not retention's",
			run: func(h *history) Report {
				for seq := uint64(0); seq < 10; seq++ {
					h.acked(event(0, seq), 0)
				}
				h.start[0] = 4
				h.log[0] = append(h.log[0][:6], h.log[0][7:]...) // offset 6 vanished
				for _, e := range h.log[0][4:] {
					h.l.Processed(&e, at(2))
				}
				return h.finish()
			},
			want: want{
				enforced: true, count: 4, first: []string{"p0/s0-s3"},
				failing: []string{"no-kafka-loss", "no-retention-loss"},
			},
		},
	})
}

func TestRetentionIsNotKafkaLoss(t *testing.T) {
	h := newHistory(Criteria{})
	for seq := uint64(0); seq < 10; seq++ {
		h.acked(event(0, seq), 0)
	}
	h.start[0] = 4
	h.log[0] = append(h.log[0][:6], h.log[0][7:]...)
	for _, e := range h.log[0][4:] {
		h.l.Processed(&e, at(2))
	}
	check(t, h.finish(), "no-kafka-loss", want{
		enforced: true, count: 1, first: []string{"p0/s6"},
		details: []string{"acked records below it count under no-retention-loss"},
		failing: []string{"no-kafka-loss", "no-retention-loss"},
	})
}

func TestUnconfirmedLost(t *testing.T) {
	runCases(t, "unconfirmed-lost", []verdictCase{
		{
			name: "unknown sends that reached the log",
			run: func(h *history) Report {
				for seq := uint64(0); seq < 5; seq++ {
					e := h.write(event(0, seq), 0)
					h.l.Unknown(ledger.ID{Producer: 0, Seq: seq}, at(1), at(1), at(2))
					h.l.Processed(&e, at(2))
				}
				return h.finish()
			},
			want: want{passed: true, summary: "0 of 5 sends of unknown outcome never reached the log"},
		},
		{
			name: "fire and forget, reported only",
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				for seq := uint64(3); seq < 8; seq++ {
					h.l.Unknown(ledger.ID{Producer: 0, Seq: seq}, at(1), at(1), at(2)) // acks=0: never confirmed, never written
				}
				return h.finish()
			},
			want: want{
				count: 5, first: []string{"p0/s3-s7"},
				summary: "5 of 5 sends of unknown outcome never reached the log",
				details: []string{"no-kafka-loss, which counts acked records, cannot see them", "reported only"},
			},
		},
		{
			name: "enforced",
			crit: Criteria{ForbidUnconfirmedLoss: true},
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				h.l.Unknown(ledger.ID{Producer: 0, Seq: 3}, at(1), at(1), at(2))
				return h.finish()
			},
			want: want{enforced: true, count: 1, first: []string{"p0/s3"}, failing: []string{"unconfirmed-lost"}},
		},
		{
			name: "processed though missing from the log counts as reached",
			run: func(h *history) Report {
				e := h.write(event(0, 0), 0)
				h.l.Unknown(ledger.ID{Producer: 0, Seq: 0}, at(1), at(1), at(2))
				h.l.Processed(&e, at(2))
				h.start[0] = 1
				return h.finish()
			},
			want: want{passed: true},
		},
	})
}

// Without positions (a scenario that sets no retention) a record below the
// log start cannot be placed, and missing is Kafka's.
func TestUntrackedPositionsCountAsKafkaLoss(t *testing.T) {
	h := &history{l: NewLedger(testRun, testEnv, t0, Criteria{}), now: at(1.01), next: map[int32]int64{},
		log: map[int32][]ledger.Event{}, start: map[int32]int64{}}
	h.l.SinkRead()
	h.flow(0, 0, 10, 0)
	h.start[0] = 4
	r := h.finish()
	check(t, r, "no-kafka-loss", want{
		enforced: true, count: 4, first: []string{"p0/s0-s3"},
		details: []string{"their positions were not kept"},
		failing: []string{"no-kafka-loss"},
	})
	check(t, r, "no-retention-loss", want{passed: true, enforced: true, failing: []string{"no-kafka-loss"}})
}
