package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/result"
)

func TestRecoveryWindows(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := &result.Result{StartedAt: start}
	for s := 0; s < 60; s++ {
		at := start.Add(time.Duration(s) * time.Second)
		ack := ledger.LatencyPoint{At: at, Count: 100, P50: 2, P99: 5}
		e2e := ledger.LatencyPoint{At: at, Count: 100, P99: 10}
		if s >= 20 && s < 30 { // the fault: fewer acks, slower, nothing processed
			ack = ledger.LatencyPoint{At: at, Count: 50, P50: 40, P99: 400}
			e2e.Count = 0
		}
		r.AckSeries, r.E2ESeries = append(r.AckSeries, ack), append(r.E2ESeries, e2e)
	}
	r.Recoveries = []result.Recovery{{What: "latency", From: start.Add(20 * time.Second), To: start.Add(30 * time.Second)},
		{What: "kill", From: start.Add(55 * time.Second), To: start.Add(55 * time.Second)}}
	r.FillRecoveryWindows()
	b, d, a := r.Recoveries[0].Before, r.Recoveries[0].During, r.Recoveries[0].After
	if b == nil || d == nil || a == nil {
		t.Fatalf("windows: %+v", r.Recoveries[0])
	}
	if b.From != 10 || b.To != 20 || b.AcksPerS != 100 || b.AckP99 != 5 || b.ProcessedPerS != 100 {
		t.Errorf("before: %+v", *b)
	}
	if d.AcksPerS != 50 || d.AckP50 != 40 || d.AckP99 != 400 || d.ProcessedPerS != 0 {
		t.Errorf("during: %+v", *d)
	}
	if a.From != 30 || a.To != 40 || a.AcksPerS != 100 || a.AckP99 != 5 {
		t.Errorf("after: %+v", *a)
	}
	// A momentary fault has no during; its after is cut at the run's end.
	k := r.Recoveries[1]
	if k.During != nil || k.After == nil || k.After.To != 60 || k.Before.From != 45 {
		t.Errorf("momentary: %+v %+v %+v", k.Before, k.During, k.After)
	}
	if line := windowsLine(r.Recoveries[0]); !strings.Contains(line, "during 50 acks/s, 0 processed/s, ack p99 400.0ms") {
		t.Errorf("summary line: %s", line)
	}
	// Off the second: a second cut by an edge is in neither window.
	r.Recoveries = []result.Recovery{{What: "latency", From: start.Add(19700 * time.Millisecond), To: start.Add(29700 * time.Millisecond)},
		{What: "flood", Kind: "flood", From: start.Add(40 * time.Second)}}
	r.FillRecoveryWindows()
	b, d, a = r.Recoveries[0].Before, r.Recoveries[0].During, r.Recoveries[0].After
	if b.AcksPerS != 100 || b.To != 19 || d.From != 20 || d.To != 29 || d.AcksPerS != 50 || a.From != 30 || a.AckP99 != 5 || a.AcksPerS != 100 {
		t.Errorf("windows off the second: %+v %+v %+v", *b, *d, *a)
	}
	// A disturbance that never ended: during lasts to the end, no after.
	f := r.Recoveries[1]
	if f.After != nil || f.During == nil || f.During.To != 60 {
		t.Errorf("unended: %+v %+v", f.During, f.After)
	}
}
