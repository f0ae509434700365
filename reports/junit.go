package reports

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/chaosrun/chaosrun/result"
)

// JUnit XML as the common CI consumers read it (the Ant/Surefire form:
// testsuites > testsuite with properties first, then testcases, each with
// at most one failure or error).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// NotRun is a scenario a gate planned and has no result of: interrupted
// before it, or it could not start.
type NotRun struct {
	Scenario, File, Why string
}

// WriteJUnit writes results as JUnit XML: a testsuite per scenario run, a
// testcase per assertion and threshold, failing exactly where the run's
// expectation is not met, plus an "expectation" testcase and, for a run
// that errored or was not run, a "run" testcase with the error.
func WriteJUnit(w io.Writer, name string, results []*result.Result, notRun []NotRun) error {
	doc := junitSuites{Name: name}
	var total float64
	for _, n := range notRun {
		// Never green: a scenario the gate did not run proves nothing.
		doc.Suites = append(doc.Suites, junitSuite{Name: n.Scenario, Tests: 1, Errors: 1, Time: "0.000",
			Properties: []junitProperty{{"file", n.File}},
			Cases: []junitCase{{Name: "run", Classname: "chaosrun." + n.Scenario, Time: "0",
				Error: &junitProblem{Message: "not run: " + firstLine(n.Why), Type: "not-run", Text: n.Why}}}})
		doc.Tests++
		doc.Errors++
	}
	for _, r := range results {
		s := junitSuiteOf(r)
		doc.Suites = append(doc.Suites, s)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		total += r.EndedAt.Sub(r.StartedAt).Seconds()
	}
	doc.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", max(s, 0)) }

func junitSuiteOf(r *result.Result) junitSuite {
	s := junitSuite{Name: r.Scenario, Time: seconds(r.EndedAt.Sub(r.StartedAt).Seconds()),
		Timestamp: r.StartedAt.UTC().Format("2006-01-02T15:04:05")}
	s.Properties = junitProperties(r)
	class := "chaosrun." + r.Scenario
	if r.Error != "" {
		s.Cases = append(s.Cases, junitCase{Name: "run", Classname: class, Time: s.Time,
			Error: &junitProblem{Message: firstLine(r.Error), Type: "harness-error", Text: r.Error + "\n\nThe run proves nothing: it is neither a pass nor a fail."}})
		s.Errors++
	}
	for _, v := range r.Assertions {
		c := junitCase{Name: v.Name, Classname: class, Time: "0"}
		st, why := result.StandingOf(r, v)
		if st == result.Broken {
			c.Failure = &junitProblem{Message: v.Summary, Type: "assertion", Text: evidenceText(v.Summary, why, v.First, v.Details)}
			s.Failures++
		} else {
			c.SystemOut = v.Summary + " [" + why + "]"
		}
		s.Cases = append(s.Cases, c)
	}
	exp := junitCase{Name: "expectation", Classname: class, Time: "0"}
	switch unmet := r.Unmet(); {
	case r.Error != "":
		exp.Skipped = &junitProblem{Message: "the run errored: no expectation was judged"}
		s.Skipped++
	case len(unmet) > 0:
		exp.Failure = &junitProblem{Message: strings.Join(unmet, "; "), Type: "expectation", Text: strings.Join(unmet, "\n")}
		s.Failures++
	default:
		exp.SystemOut = "expected " + r.ExpectedVerdict() + ": met"
	}
	s.Cases = append(s.Cases, exp)
	s.Tests = len(s.Cases)
	return s
}

func junitProperties(r *result.Result) []junitProperty {
	props := []junitProperty{
		{"seed", fmt.Sprint(r.Seed)}, {"runtime", r.Runtime}, {"kafka_version", r.KafkaVersion}, {"client", cmp.Or(r.Workload.Client, "franz-go")},
		{"run_id", r.RunID}, {"file", r.File}, {"expected", r.ExpectedVerdict()},
	}
	if r.KitchenDB != "" {
		props = append(props, junitProperty{"kitchen_db", r.KitchenDB})
	}
	if e := r.Cluster.External; e != nil {
		props = append(props, junitProperty{"external_cluster", strings.Join(e.Bootstrap, ",") + " (" + e.Security + ")"})
	}
	var faults []string
	for _, e := range r.Timeline {
		if e.Action == result.ActionInject {
			faults = append(faults, fmt.Sprintf("t+%.1fs %s", e.T, timelineText(e)))
		}
	}
	props = append(props, junitProperty{"faults", strings.Join(faults, "; ")})
	for _, o := range r.Overrides {
		props = append(props, junitProperty{"override", o})
	}
	return props
}

func evidenceText(summary, why string, first, details []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n(%s)\n", summary, why)
	if len(first) > 0 {
		fmt.Fprintf(&b, "first: %s\n", strings.Join(first, ", "))
	}
	for _, d := range details {
		fmt.Fprintf(&b, "%s\n", d)
	}
	return b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
