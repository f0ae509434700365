package assertions

import (
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// stuck samples partition p every quarter second over [from, to): end grows
// 100 a sample and the group commits nothing beyond committed.
func stuck(h *history, p int32, from, to float64, committed int64) {
	for s := from; s < to; s += 0.25 {
		h.l.SampleLag(at(s), p, int64(s*400)+100, committed)
	}
}

// healthy samples partition p over [from, to) with the group 150 offsets,
// one sample, behind.
func healthy(h *history, p int32, from, to float64) {
	for s := from; s < to; s += 0.25 {
		end := int64(s*400) + 100
		h.l.SampleLag(at(s), p, end, end-150)
	}
}

// caughtUp samples every partition at lag 0 at time s.
func caughtUp(h *history, s float64, parts ...int32) {
	for _, p := range parts {
		h.l.SampleLag(at(s), p, 1e6, 1e6)
	}
}

func TestLagBounded(t *testing.T) {
	runCases(t, "lag-bounded", []verdictCase{
		{
			name: "group keeps up",
			run: func(h *history) Report {
				healthy(h, 0, 0, 10)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 10.5, 0)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true, summary: "max lag 250ms on partition 0 at t+0.2s (limit 30s); max 150 offsets on partition 0 at t+0.2s"},
		},
		{
			name: "one partition stuck beyond the limit in seconds",
			run: func(h *history) Report {
				healthy(h, 0, 0, 41)
				stuck(h, 1, 0, 40.25, 0)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 41, 0, 1)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				summary: "max lag 40s on partition 1 at t+40.0s (limit 30s)",
				details: []string{"partition 1: 40s behind at t+40.0s (limit 30s)"},
				failing: []string{"lag-bounded", "no-stuck-partition"}, // partition 0 moved all along
			},
		},
		{
			name: "a hot partition: the spread of acked records is shown",
			crit: Criteria{MaxLag: 5 * time.Second},
			run: func(h *history) Report {
				h.flow(0, 0, 30, 1)
				h.flow(0, 30, 40, 0)
				healthy(h, 0, 0, 7)
				stuck(h, 1, 0, 6.25, 0)
				return h.finish()
			},
			want: want{
				enforced: true, count: 1,
				details: []string{"partition 1: 6s behind", "acked records per partition: 0: 10 (25%), 1: 30 (75%)"},
				failing: []string{"lag-bounded"},
			},
		},
		{
			name: "never behind: a zero peak has no place or time",
			run: func(h *history) Report {
				h.l.SampleLag(at(1), 0, 0, 0)
				h.l.ProduceStopped(at(1.5))
				caughtUp(h, 2, 0)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true, summary: "max lag 0s (limit 30s); max 0 offsets"},
		},
		{
			name: "a slow database: its writes' cost is shown",
			crit: Criteria{MaxLag: 5 * time.Second},
			run: func(h *history) Report {
				stuck(h, 2, 0, 6.25, 0)
				var series []ledger.SinkSecond
				for sec := 0.0; sec < 7; sec++ {
					series = append(series, ledger.SinkSecond{At: at(sec), Statements: 20, Rows: 20, Busy: 20 * 51 * time.Millisecond})
				}
				h.l.SinkWrites(ledger.SinkWriteStats{Statements: 400, Rows: 400, P50: 51 * time.Millisecond, P99: 58 * time.Millisecond, Series: series})
				h.l.ProduceStopped(at(6))
				caughtUp(h, 7, 2)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				details: []string{"partition 2: 6s behind at t+6.0s (limit 5s)", "kitchen database writes: 400 statements of 1.0 rows on average, p50 51ms, p99 58ms each; from t+0.0s to the worst lag at t+6.0s: 120 statements (20 rows/s), 51ms each on average"},
				failing: []string{"lag-bounded"},
			},
		},
		{
			name: "tighter limit in seconds",
			crit: Criteria{MaxLag: 5 * time.Second},
			run: func(h *history) Report {
				stuck(h, 2, 0, 6.25, 0)
				h.l.ProduceStopped(at(6))
				caughtUp(h, 7, 2)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				details: []string{"partition 2: 6s behind at t+6.0s (limit 5s)"},
				failing: []string{"lag-bounded"},
			},
		},
		{
			name: "beyond the limit in offsets",
			crit: Criteria{MaxLagOffsets: 500},
			run: func(h *history) Report {
				h.l.SampleLag(at(1), 0, 1000, 0)
				h.l.ProduceStopped(at(1.5))
				caughtUp(h, 2, 0)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				summary: "max 1000 offsets on partition 0 at t+1.0s (limit 500)",
				details: []string{"partition 0: 1000 offsets behind at t+1.0s (limit 500)"},
				failing: []string{"lag-bounded"},
			},
		},
		{
			name: "offsets unbounded by default",
			run: func(h *history) Report {
				h.l.SampleLag(at(1), 0, 1000, 0)
				h.l.ProduceStopped(at(1.5))
				caughtUp(h, 2, 0)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true, summary: "max 1000 offsets"},
		},
		{
			name: "no samples",
			run: func(h *history) Report {
				return Verify(h.l, h.crit)
			},
			want: want{
				passed: false, enforced: true, count: 1, summary: "no lag samples: lag was never measured",
				failing: []string{"lag-bounded", "lag-recovers"},
			},
		},
	})
}

func TestLagRecovers(t *testing.T) {
	runCases(t, "lag-recovers", []verdictCase{
		{
			name: "recovers in time",
			run: func(h *history) Report {
				stuck(h, 0, 9, 12, 3000)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 12, 0)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true, summary: "lag reached 0 2s after producers stopped, at t+12.0s (limit 1m0s)"},
		},
		{
			name: "waits for the slowest partition",
			run: func(h *history) Report {
				stuck(h, 0, 9, 11, 3000)
				stuck(h, 1, 9, 15, 3000)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 11, 0)
				stuck(h, 1, 11, 15, 3000)
				caughtUp(h, 15, 0, 1)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true, summary: "lag reached 0 5s after producers stopped"},
		},
		{
			name: "lag before the stop does not count",
			run: func(h *history) Report {
				caughtUp(h, 5, 0)
				stuck(h, 0, 6, 11, 2000)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 11, 0)
				return Verify(h.l, h.crit)
			},
			want: want{passed: true, enforced: true, summary: "lag reached 0 1s after"},
		},
		{
			name: "never recovers",
			run: func(h *history) Report {
				stuck(h, 0, 9, 20.25, 3000)
				healthy(h, 1, 9, 10)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 11, 1)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				summary: "lag never reached 0 after producers stopped at t+10.0s (limit 1m0s)",
				details: []string{"partition 0: 5100 offsets (11s) behind at its last sample, t+20.0s"},
				failing: []string{"lag-recovers"},
			},
		},
		{
			name: "recovers too slowly",
			crit: Criteria{RecoverWithin: 5 * time.Second},
			run: func(h *history) Report {
				stuck(h, 0, 9, 20, 3000)
				h.l.ProduceStopped(at(10))
				caughtUp(h, 20, 0)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				summary: "lag reached 0 10s after producers stopped, at t+20.0s (limit 5s)",
				failing: []string{"lag-recovers"},
			},
		},
		{
			name: "no sample after the stop",
			run: func(h *history) Report {
				caughtUp(h, 5, 0)
				h.l.ProduceStopped(at(10))
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				details: []string{"no lag sample was taken after producers stopped"},
				failing: []string{"lag-recovers"},
			},
		},
		{
			name: "producers never reported stopping",
			run: func(h *history) Report {
				caughtUp(h, 5, 0)
				return Verify(h.l, h.crit)
			},
			want: want{
				enforced: true, count: 1,
				summary: "producers were never reported stopped",
				failing: []string{"lag-recovers"},
			},
		},
	})
}

func TestLagSeriesDownsampled(t *testing.T) {
	l := NewLedger(testRun, testEnv, t0, Criteria{})
	for i := range 10 { // 2.5s of samples on two partitions
		s := float64(i) / 4
		l.SampleLag(at(s), 0, int64(100*(i+1)), int64(100*i)-int64(i%4)*10)
		l.SampleLag(at(s), 1, 50, 50)
	}
	got := Verify(l, Criteria{}).Lag
	want := []ledger.LagPoint{
		{At: at(0), Partition: 0, Offsets: 130, Seconds: 0.25},
		{At: at(0), Partition: 1},
		{At: at(1), Partition: 0, Offsets: 130, Seconds: 0.25},
		{At: at(1), Partition: 1},
		{At: at(2), Partition: 0, Offsets: 110, Seconds: 0.25},
		{At: at(2), Partition: 1},
		{At: at(2.25), Partition: 0, Offsets: 110, Seconds: 0.25},
		{At: at(2.25), Partition: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("series = %+v", got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) || g.Partition != w.Partition || g.Offsets != w.Offsets || g.Seconds != w.Seconds {
			t.Errorf("point %d = %+v, want %+v", i, g, w)
		}
	}
}
