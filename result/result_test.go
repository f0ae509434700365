package result

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/chaosrun/chaosrun/assertions"
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

func TestStandingOf(t *testing.T) {
	r := &Result{Expect: Expectation{Verdict: VerdictFail, Failing: []string{"a"}}}
	for _, c := range []struct {
		name            string
		enforced, passd bool
		want            Standing
	}{
		{"a", true, false, Fine},
		{"a", true, true, Broken},
		{"a", false, false, Broken},
		{"b", true, false, Alongside},
		{"b", false, false, Fine},
		{"b", true, true, Fine},
	} {
		got, _ := StandingOf(r, assertions.Verdict{Name: c.name, Enforced: c.enforced, Passed: c.passd})
		if got != c.want {
			t.Errorf("%s enforced=%v passed=%v: %v, want %v", c.name, c.enforced, c.passd, got, c.want)
		}
	}
}
