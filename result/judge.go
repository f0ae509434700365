package result

import (
	"fmt"
	"slices"
	"strings"
)

// Judge sets Verdict from the enforced assertions and Error, and
// ExpectationMet from Verdict and Expect.
func (r *Result) Judge() {
	r.Verdict = r.DerivedVerdict()
	r.ExpectationMet = len(r.Unmet()) == 0
}

// DerivedVerdict derives the run's verdict; reported-only assertions never count.
func (r *Result) DerivedVerdict() string {
	switch {
	case r.Error != "":
		return VerdictError
	case len(r.Failing()) > 0:
		return VerdictFail
	}
	return VerdictPass
}

// Failing lists the enforced assertions that failed, in report order.
func (r *Result) Failing() []string {
	var names []string
	for _, v := range r.Assertions {
		if v.Enforced && !v.Passed {
			names = append(names, v.Name)
		}
	}
	return names
}

// NotFailed lists the assertions the expectation names as failing that did
// not fail as enforced assertions.
func (r *Result) NotFailed() []string {
	failing := r.Failing()
	var missing []string
	for _, name := range r.Expect.Failing {
		if !slices.Contains(failing, name) {
			missing = append(missing, name)
		}
	}
	return missing
}

// ExpectedVerdict resolves the empty expectation to pass.
func (r *Result) ExpectedVerdict() string {
	if r.Expect.Verdict == "" {
		return VerdictPass
	}
	return r.Expect.Verdict
}

// Unmet gives the human-readable reasons the expectation was not met; empty
// when it was. It judges from the assertions and Error, not from a stored
// Verdict, so it is right even before Judge runs.
func (r *Result) Unmet() []string {
	got, want := r.DerivedVerdict(), r.ExpectedVerdict()
	switch {
	case got == VerdictError:
		return []string{"harness error: " + r.Error}
	case want != VerdictPass && want != VerdictFail:
		return []string{fmt.Sprintf("unknown expected verdict %q (want pass or fail)", want)}
	case want == VerdictPass && got == VerdictFail:
		return []string{"expected pass, got fail: " + strings.Join(r.Failing(), ", ") + " failed"}
	case want == VerdictFail && got == VerdictPass:
		return []string{"expected fail, got pass"}
	case want == VerdictFail:
		return r.missingFailures()
	}
	return nil
}

// missingFailures explains each expected failure that did not happen.
func (r *Result) missingFailures() []string {
	var reasons []string
	for _, name := range r.NotFailed() {
		reasons = append(reasons, fmt.Sprintf("expected %s to fail: %s", name, r.outcome(name)))
	}
	return reasons
}

// outcome says what became of a named assertion.
func (r *Result) outcome(name string) string {
	for _, v := range r.Assertions {
		if v.Name != name {
			continue
		}
		if v.Passed {
			return "it passed"
		}
		return "it failed but is not enforced"
	}
	return "no such assertion was evaluated"
}
