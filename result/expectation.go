package result

import (
	"fmt"
	"slices"

	"github.com/chaosrun/chaosrun/assertions"
)

// Standing is what one verdict means for its run's expectation.
type Standing int

const (
	// Fine: passed where a pass was wanted, or failed as the expectation
	// said it would, or is reported only.
	Fine Standing = iota
	// Alongside: failed in a run expected to fail, though not named; the
	// expectation allows it.
	Alongside
	// Broken: this verdict is why the expectation was not met.
	Broken
)

// StandingOf classifies v within r, as Judge does for the whole run.
func StandingOf(r *Result, v assertions.Verdict) (Standing, string) {
	named := slices.Contains(r.Expect.Failing, v.Name)
	switch {
	case r.ExpectedVerdict() == VerdictFail && named && v.Enforced && !v.Passed:
		return Fine, "failed, as the scenario expects"
	case r.ExpectedVerdict() == VerdictFail && named:
		return Broken, "expected to fail, but " + passedOrReported(v)
	case !v.Enforced:
		return Fine, "reported only"
	case v.Passed:
		return Fine, "passed"
	case r.ExpectedVerdict() == VerdictFail:
		return Alongside, "failed alongside the expected failures (allowed)"
	}
	return Broken, "failed"
}

func passedOrReported(v assertions.Verdict) string {
	if !v.Enforced {
		return "it was only reported (not enforced)"
	}
	return "it passed"
}

// BrokenVerdicts lists the verdicts that break r's expectation, with why;
// a run whose expectation is met has none. A harness error is not a
// verdict: see Result.Error.
func BrokenVerdicts(r *Result) []BrokenVerdict {
	var out []BrokenVerdict
	for _, v := range r.Assertions {
		if st, why := StandingOf(r, v); st == Broken {
			out = append(out, BrokenVerdict{Verdict: v, Why: why})
		}
	}
	// An expected failure of an assertion the run never judged.
	for _, name := range r.Expect.Failing {
		if !slices.ContainsFunc(r.Assertions, func(v assertions.Verdict) bool { return v.Name == name }) && r.Error == "" {
			out = append(out, BrokenVerdict{Verdict: assertions.Verdict{Name: name}, Why: "expected to fail, but it was never judged"})
		}
	}
	return out
}

// BrokenVerdict is one verdict against the expectation.
type BrokenVerdict struct {
	assertions.Verdict
	Why string
}

// Message is the verdict in one line with why it breaks the expectation.
func (b BrokenVerdict) Message() string {
	if b.Summary == "" {
		return fmt.Sprintf("%s: %s", b.Name, b.Why)
	}
	return fmt.Sprintf("%s: %s (%s)", b.Name, b.Summary, b.Why)
}
