package reports

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/ledger"
)

func verdict(name string, passed, enforced bool) assertions.Verdict {
	return assertions.Verdict{Name: name, Passed: passed, Enforced: enforced}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		name        string
		verdicts    []assertions.Verdict
		err         string
		expect      Expectation
		wantVerdict string
		wantMet     bool
		wantUnmet   string // substring of the first reason when not met
	}{
		{
			name:        "pass expected, got pass",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", true, true)},
			expect:      Expectation{Verdict: VerdictPass},
			wantVerdict: VerdictPass, wantMet: true,
		},
		{
			name:        "empty expectation means pass",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", true, true)},
			wantVerdict: VerdictPass, wantMet: true,
		},
		{
			name:        "pass expected, got fail",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", false, true)},
			wantVerdict: VerdictFail, wantUnmet: "expected pass, got fail: no-kafka-loss failed",
		},
		{
			name:        "fail expected, named assertion failed",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", true, true), verdict("no-consumer-loss", false, true)},
			expect:      Expectation{Verdict: VerdictFail, Failing: []string{"no-consumer-loss"}},
			wantVerdict: VerdictFail, wantMet: true,
		},
		{
			name:        "fail expected, a different assertion failed",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", false, true), verdict("no-consumer-loss", true, true)},
			expect:      Expectation{Verdict: VerdictFail, Failing: []string{"no-consumer-loss"}},
			wantVerdict: VerdictFail, wantUnmet: "expected no-consumer-loss to fail: it passed",
		},
		{
			name:        "fail expected, named assertion never evaluated",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", false, true)},
			expect:      Expectation{Verdict: VerdictFail, Failing: []string{"no-consumer-loss"}},
			wantVerdict: VerdictFail, wantUnmet: "no such assertion was evaluated",
		},
		{
			name:        "fail expected, named assertion failed but is reported only",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", false, true), verdict("no-duplicates", false, false)},
			expect:      Expectation{Verdict: VerdictFail, Failing: []string{"no-duplicates"}},
			wantVerdict: VerdictFail, wantUnmet: "not enforced",
		},
		{
			name:        "fail expected, got pass",
			verdicts:    []assertions.Verdict{verdict("no-consumer-loss", true, true)},
			expect:      Expectation{Verdict: VerdictFail, Failing: []string{"no-consumer-loss"}},
			wantVerdict: VerdictPass, wantUnmet: "expected fail, got pass",
		},
		{
			name:        "harness error, pass expected",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", true, true)},
			err:         "broker 2 did not start",
			wantVerdict: VerdictError, wantUnmet: "harness error: broker 2 did not start",
		},
		{
			name:        "harness error, fail expected",
			verdicts:    []assertions.Verdict{verdict("no-consumer-loss", false, true)},
			err:         "cluster unreachable",
			expect:      Expectation{Verdict: VerdictFail, Failing: []string{"no-consumer-loss"}},
			wantVerdict: VerdictError, wantUnmet: "harness error",
		},
		{
			name:        "reported-only failure does not fail the run",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", true, true), verdict("no-duplicates", false, false)},
			wantVerdict: VerdictPass, wantMet: true,
		},
		{
			name:        "unknown expected verdict",
			verdicts:    []assertions.Verdict{verdict("no-kafka-loss", true, true)},
			expect:      Expectation{Verdict: "flaky"},
			wantVerdict: VerdictPass, wantUnmet: `unknown expected verdict "flaky"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Result{Assertions: tt.verdicts, Error: tt.err, Expect: tt.expect}
			r.Judge()
			if r.Verdict != tt.wantVerdict {
				t.Errorf("Verdict = %q, want %q", r.Verdict, tt.wantVerdict)
			}
			if r.ExpectationMet != tt.wantMet {
				t.Errorf("ExpectationMet = %v, want %v (unmet: %q)", r.ExpectationMet, tt.wantMet, r.Unmet())
			}
			checkUnmet(t, r.Unmet(), tt.wantMet, tt.wantUnmet)
		})
	}
}

func checkUnmet(t *testing.T, unmet []string, met bool, want string) {
	t.Helper()
	if met {
		if len(unmet) != 0 {
			t.Errorf("Unmet() = %q, want none", unmet)
		}
		return
	}
	if len(unmet) == 0 || !strings.Contains(unmet[0], want) {
		t.Errorf("Unmet() = %q, want first reason containing %q", unmet, want)
	}
}

func TestNotFailed(t *testing.T) {
	r := &Result{
		Assertions: []assertions.Verdict{verdict("a", false, true), verdict("b", true, true), verdict("c", false, false)},
		Expect:     Expectation{Verdict: VerdictFail, Failing: []string{"a", "b", "c", "d"}},
	}
	if got, want := r.NotFailed(), []string{"b", "c", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("NotFailed() = %q, want %q", got, want)
	}
	if got, want := r.Failing(), []string{"a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Failing() = %q, want %q", got, want)
	}
}

func TestReadJSONRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "result.json")
	want := fixture()
	if err := WriteJSON(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != path {
		t.Errorf("Path = %q, want %q", got.Path, path)
	}
	want.Path = path
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the result:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestWriteJSONStampsSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "result.json")
	r := fixture()
	r.Schema = ""
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	if r.Schema != "" {
		t.Error("WriteJSON modified its argument")
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != Schema {
		t.Errorf("Schema = %q, want %q", got.Schema, Schema)
	}
}

func TestReadJSONSchemaMismatch(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"other version", `{"schema": "chaosrun.result/v2", "scenario": "x"}`, `schema "chaosrun.result/v2" is not supported`},
		{"missing", `{"scenario": "x"}`, "no schema field"},
		{"not json", `verdict: pass`, "decode result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "result.json")
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadJSON(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadJSON error = %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// msHistogram records 1..1000 ms, once each, in microseconds.
func msHistogram(t *testing.T) *hdrhistogram.Histogram {
	t.Helper()
	h := hdrhistogram.New(1, 60_000_000, 3)
	for ms := int64(1); ms <= 1000; ms++ {
		if err := h.RecordValue(ms * 1000); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestLatencyOf(t *testing.T) {
	l := LatencyOf(msHistogram(t))
	if l.Count != 1000 {
		t.Errorf("Count = %d, want 1000", l.Count)
	}
	// Three significant digits: values are within 0.1% of the true ones.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p50", l.P50, 500}, {"p90", l.P90, 900}, {"p99", l.P99, 990}, {"p99.9", l.P999, 999}, {"max", l.Max, 1000},
	} {
		if math.Abs(c.got-c.want) > c.want*0.001 {
			t.Errorf("%s = %v ms, want %v ms within 0.1%%", c.name, c.got, c.want)
		}
	}
	decoded, err := hdrhistogram.Decode([]byte(l.HDR))
	if err != nil {
		t.Fatalf("decode hdr: %v", err)
	}
	if decoded.TotalCount() != 1000 {
		t.Errorf("decoded TotalCount = %d, want 1000", decoded.TotalCount())
	}
}

func TestLatencyOfNil(t *testing.T) {
	if got := LatencyOf(nil); got != (Latency{}) {
		t.Errorf("LatencyOf(nil) = %+v, want zero", got)
	}
}

// The fixture's literal blob must stay a real histogram.
func TestFixtureHDRDecodes(t *testing.T) {
	h, err := hdrhistogram.Decode([]byte(fixture().Latency["produce_ack"].HDR))
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != 5 {
		t.Errorf("TotalCount = %d, want 5", h.TotalCount())
	}
}

func TestRecoveryWindows(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := &Result{StartedAt: start}
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
	r.Recoveries = []Recovery{{What: "latency", From: start.Add(20 * time.Second), To: start.Add(30 * time.Second)},
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
	r.Recoveries = []Recovery{{What: "latency", From: start.Add(19700 * time.Millisecond), To: start.Add(29700 * time.Millisecond)},
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
