package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/result"
)

func parseJUnit(t *testing.T, rs ...*result.Result) junitSuites {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, "gate", rs, nil); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	return doc
}

// A negative control that caught its loss is green: the expected failure
// is not a JUnit failure; the same run expected to pass is red exactly at
// its failed enforced assertion and the expectation.
func TestJUnitFailsExactlyWhereTheExpectationBreaks(t *testing.T) {
	r := fixture()
	r.Judge()
	doc := parseJUnit(t, r)
	s := doc.Suites[0]
	if doc.Failures != 0 || s.Failures != 0 || s.Tests != len(r.Assertions)+1 || s.Name != "consumer-crash" {
		t.Fatalf("met expectation: %d failures, %d tests: %+v", doc.Failures, s.Tests, s)
	}
	props := map[string]string{}
	for _, p := range s.Properties {
		props[p.Name] = p.Value
	}
	if props["seed"] != "42" || props["kafka_version"] == "" || !strings.Contains(props["faults"], "consumer-kill") || props["runtime"] == "" {
		t.Errorf("properties: %v", props)
	}

	r = fixture()
	r.Expect = result.Expectation{Verdict: result.VerdictPass}
	r.Judge()
	s = parseJUnit(t, r).Suites[0]
	var failed []string
	for _, c := range s.Cases {
		if c.Failure != nil {
			failed = append(failed, c.Name)
			if c.Name == "no-consumer-loss" && (!strings.Contains(c.Failure.Text, "partition 0: 25 lost") || !strings.Contains(c.Failure.Text, "first: 0/1201")) {
				t.Errorf("failure text lacks the evidence: %q", c.Failure.Text)
			}
		}
	}
	if strings.Join(failed, ",") != "no-consumer-loss,expectation" || s.Failures != 2 {
		t.Errorf("failed testcases %v (%d), want no-consumer-loss and expectation", failed, s.Failures)
	}
}

func TestJUnitHarnessErrorIsAnError(t *testing.T) {
	r := fixture()
	r.Error = "harness: cluster: broker 1 did not start\nlog tail..."
	r.Assertions = nil
	r.Judge()
	s := parseJUnit(t, r).Suites[0]
	if s.Errors != 1 || s.Cases[0].Name != "run" || s.Cases[0].Error == nil || s.Cases[0].Error.Message != "harness: cluster: broker 1 did not start" {
		t.Errorf("harness error: %+v", s)
	}
	if exp := s.Cases[len(s.Cases)-1]; exp.Name != "expectation" || exp.Skipped == nil || s.Skipped != 1 {
		t.Errorf("an errored run's expectation is not judged, never green: %+v", exp)
	}
	// A scenario the gate never ran is an error, not a silent absence.
	var buf bytes.Buffer
	WriteJUnit(&buf, "gate", nil, []NotRun{{Scenario: "later", File: "scenarios/later.yaml", Why: "the gate was interrupted before it"}})
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Errors != 1 || doc.Suites[0].Cases[0].Error == nil {
		t.Errorf("not run: %v %+v", err, doc)
	}
}

func TestMarkdownAndAnnotations(t *testing.T) {
	met := fixture()
	met.Judge()
	broken := fixture()
	broken.Scenario = "leader-kill"
	broken.File = "scenarios/leader-kill.yaml"
	broken.Expect = result.Expectation{Verdict: result.VerdictFail, Failing: []string{"no-kafka-loss", "no-consumer-loss"}}
	broken.Judge()
	var md bytes.Buffer
	if err := WriteMarkdown(&md, "chaosrun gate", []*result.Result{met, broken}, []NotRun{{Scenario: "later", Why: "the gate was interrupted before it"}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## chaosrun gate: UNFINISHED", "1 of 3 scenarios met their expectation; 1 not run", "| later | | not run | **no** | the gate was interrupted before it | |",
		"| leader-kill | fail | fail | **no** | no-consumer-loss |", "### leader-kill: expectation not met",
		"- **no-kafka-loss**: all 30000 acked sends are in the log (expected to fail, but it passed)"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	var ann bytes.Buffer
	lineOf := func(r *result.Result, verdict string) (string, int) {
		if verdict == "no-kafka-loss" {
			return "", 27
		}
		return "", 0
	}
	if err := WriteAnnotations(&ann, []*result.Result{met, broken}, lineOf); err != nil {
		t.Fatal(err)
	}
	want := "::error file=scenarios/leader-kill.yaml,line=27,title=chaosrun leader-kill::no-kafka-loss: all 30000 acked sends are in the log (expected to fail, but it passed)\n"
	if ann.String() != want {
		t.Errorf("annotations:\n%q\nwant\n%q", ann.String(), want)
	}
	if got := ghProperty("a:b,c%\n"); got != "a%3Ab%2Cc%25%0A" {
		t.Errorf("escaping: %s", got)
	}
}

// The JUnit output validates against the schema the CI consumers read
// (testdata/junit.xsd), with xmllint; CHAOSRUN_BROWSER=required (CI, which
// installs the reports' tools) makes a missing xmllint a failure.
func TestJUnitValidatesAgainstTheSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CHAOSRUN_BROWSER") == "required" {
			t.Fatal("xmllint is missing (Debian's libxml2-utils; scripts/browser-setup installs it)")
		}
		t.Skip("no xmllint here (Debian's libxml2-utils)")
	}
	met, unmet, errored := fixture(), fixture(), fixture()
	unmet.Expect = result.Expectation{Verdict: result.VerdictPass}
	errored.Error = "cluster: broker 1 did not start"
	for _, r := range []*result.Result{met, unmet, errored} {
		r.Judge()
	}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, "gate", []*result.Result{met, unmet, errored}, []NotRun{{Scenario: "later", File: "scenarios/later.yaml", Why: "the gate was interrupted before it"}}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "junit.xml")
	os.WriteFile(file, buf.Bytes(), 0o644)
	if out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", file).CombinedOutput(); err != nil {
		t.Errorf("xmllint: %v\n%s", err, out)
	}
	// The schema really judges: a testsuite without its name is refused.
	bad := strings.Replace(buf.String(), `<testsuite name="consumer-crash"`, `<testsuite`, 1)
	os.WriteFile(file, []byte(bad), 0o644)
	if out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", file).CombinedOutput(); err == nil {
		t.Errorf("a testsuite without a name validated:\n%s", out)
	}
}
