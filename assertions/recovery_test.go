package assertions

import (
	"testing"
	"time"
)

// disturb plays a fault on partition 0: lag 5 before,
// 200 while it lasts (from t+3.5s to t+8s), then falling back to 4 at
// t+back; one ack arrives at t+8.4s.
func disturb(h *history, back float64) Report {
	h.flow(0, 0, 10, 0)
	sweep := func(t float64, lag int64) {
		h.l.SampleLag(at(t), 0, 1000, 1000-lag)
	}
	for _, t := range []float64{1, 2, 3} {
		sweep(t, 5)
	}
	i := h.l.Disturbed("broker-kill node 1", at(3.5))
	for t := 4.0; t < 8; t++ {
		sweep(t, 200)
	}
	h.l.DisturbanceEnded(i, "", at(8))
	h.now = at(8.4)
	h.acked(event(0, 10), 0)
	h.l.Processed(&h.log[0][10], at(8.5))
	for t := 8.25; t < back; t += 0.25 {
		sweep(t, 100)
	}
	sweep(back, 4)
	return h.finish()
}

func TestRecovery(t *testing.T) {
	runCases(t, "recovery", []verdictCase{
		{
			name: "nothing to recover from",
			run:  func(h *history) Report { h.flow(0, 0, 10, 0); return h.finish() },
			want: want{passed: true, summary: "no fault or flood to recover from"},
		},
		{
			name: "reported only by default",
			run:  func(h *history) Report { return disturb(h, 10) },
			want: want{
				passed: true, summary: "1 faults and floods; lag back to its level at most 2s after each ended",
				details: []string{"broker-kill node 1 (t+3.5s to t+8.0s): lag back to its level before (5 offsets) after 2s; first ack 400ms after"},
			},
		},
		{
			name: "within the limit",
			crit: Criteria{MaxRecovery: 3 * time.Second},
			run:  func(h *history) Report { return disturb(h, 10) },
			want: want{passed: true, enforced: true, summary: "(limit 3s)"},
		},
		{
			name: "slower than the limit",
			crit: Criteria{MaxRecovery: time.Second},
			run:  func(h *history) Report { return disturb(h, 10) },
			want: want{enforced: true, count: 1, failing: []string{"recovery"}},
		},
		{
			name: "never back to its level",
			crit: Criteria{MaxRecovery: time.Minute},
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				h.l.SampleLag(at(1), 0, 10, 10)
				i := h.l.Disturbed("consumer-stop", at(2))
				h.l.SampleLag(at(3), 0, 500, 10)
				h.l.DisturbanceEnded(i, "consumer-stop all", at(4))
				h.l.SampleLag(at(5), 0, 500, 20)
				h.behind = 480
				return h.finish()
			},
			want: want{
				enforced: true, count: 1, summary: "lag did not come back after every one",
				details: []string{"consumer-stop all (t+2.0s to t+4.0s): lag never came back to its level before (0 offsets)"},
				failing: []string{"lag-recovers", "recovery"},
			},
		},
		{
			name: "a fault the run ended inside",
			crit: Criteria{MaxRecovery: time.Minute},
			run: func(h *history) Report {
				h.flow(0, 0, 10, 0)
				h.l.Disturbed("latency all", at(2))
				return h.finish()
			},
			want: want{enforced: true, count: 1, details: []string{"never ended"}, failing: []string{"recovery"}},
		},
	})
}

func TestRecoveryReport(t *testing.T) {
	r := disturb(newHistory(Criteria{}), 10)
	if len(r.Recoveries) != 1 {
		t.Fatalf("recoveries = %+v", r.Recoveries)
	}
	got := r.Recoveries[0]
	if got.LagLevel != 5 || got.FirstAck != 400*time.Millisecond || got.LagBack != 2*time.Second {
		t.Errorf("recovery = %+v, want level 5, first ack 400ms, lag back 2s", got)
	}
}
