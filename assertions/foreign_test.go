package assertions

import "testing"

func TestTakenByAnotherEnv(t *testing.T) {
	runCases(t, "no-consumer-loss", []verdictCase{
		{
			name: "records a pre consumer took and skipped",
			run: func(h *history) Report {
				h.flow(0, 0, 5, 0)
				for seq := uint64(5); seq < 9; seq++ {
					e := h.acked(event(0, seq), 1)
					h.l.TakenBy("pre", &e)
				}
				h.acked(event(0, 9), 1) // neither processed nor taken
				return h.finish()
			},
			want: want{
				enforced: true, count: 5, first: []string{"p0/s5-s8 taken by env pre", "p0/s9"},
				details: []string{"a consumer of env pre took 4 records of this run and committed past them; 4 of them were never processed here"},
				failing: []string{"no-consumer-loss"},
			},
		},
		{
			name: "taken, then processed here after all",
			run: func(h *history) Report {
				e := h.acked(event(0, 0), 0)
				h.l.TakenBy("pre", &e)
				h.l.Processed(&e, at(3))
				return h.finish()
			},
			want: want{passed: true, enforced: true, details: []string{"took 1 records of this run and committed past them; 0 of them were never processed here"}},
		},
		{
			name: "a guard refused them",
			run: func(h *history) Report {
				h.flow(0, 0, 3, 0)
				e := event(0, 1)
				h.l.RefusedBy("pre", &e)
				return h.finish()
			},
			want: want{passed: true, enforced: true, details: []string{"a consumer of env pre refused 1 records of this environment without committing them"}},
		},
	})
}
