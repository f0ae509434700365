package reports

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/chaosrun/chaosrun/result"
)

// LineOf finds where a verdict's cause is written, for annotations: a
// file ("" for the result's scenario file) and a line (0 when unknown).
type LineOf func(r *result.Result, verdict string) (file string, line int)

// WriteMarkdown writes a gate's results for a CI page: the verdict, a
// table of runs, and for each run whose expectation was not met the
// verdicts that broke it with their evidence.
func WriteMarkdown(w io.Writer, title string, results []*result.Result, notRun []NotRun) error {
	planned := len(results) + len(notRun)
	p := &printer{w: w}
	met := 0
	for _, r := range results {
		if r.ExpectationMet {
			met++
		}
	}
	verdict := "PASSED"
	switch {
	case len(results) < planned || hasErrors(results):
		verdict = "UNFINISHED"
	case met < len(results):
		verdict = "FAILED"
	}
	p.f("## %s: %s\n\n%d of %d scenarios met their expectation", title, verdict, met, planned)
	if n := planned - len(results); n > 0 {
		p.f("; %d not run", n)
	}
	p.f(".\n\n| scenario | expected | verdict | met | failing | took |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		mark := "yes"
		if !r.ExpectationMet {
			mark = "**no**"
		}
		failing := strings.Join(r.Failing(), ", ")
		if failing == "" {
			failing = "—"
		}
		p.f("| %s | %s | %s | %s | %s | %s |\n", cell(r.Scenario), r.ExpectedVerdict(), r.DerivedVerdict(), mark, cell(failing), runDuration(r))
	}
	for _, n := range notRun {
		p.f("| %s | | not run | **no** | %s | |\n", cell(n.Scenario), cell(firstLine(n.Why)))
	}
	for _, r := range results {
		if r.ExpectationMet {
			continue
		}
		p.f("\n### %s: expectation not met\n\n", cell(r.Scenario))
		if r.Error != "" {
			p.f("Harness error (the run proves nothing):\n\n```\n%s\n```\n", r.Error)
			continue
		}
		for _, b := range result.BrokenVerdicts(r) {
			p.f("- **%s**: %s (%s)\n", cell(b.Name), cell(b.Summary), b.Why)
			if len(b.First) > 0 {
				p.f("  - first: %s\n", cell(strings.Join(b.First, ", ")))
			}
			for _, d := range b.Details {
				p.f("  - %s\n", cell(d))
			}
		}
		p.f("\nseed %d, runtime %s, Kafka %s, client %s, run %s", r.Seed, r.Runtime, r.KafkaVersion, cmp.Or(r.Workload.Client, "franz-go"), r.RunID)
		if r.Path != "" {
			p.f(", result `%s`", r.Path)
		}
		p.f("\n")
	}
	return p.err
}

func hasErrors(results []*result.Result) bool {
	for _, r := range results {
		if r.Error != "" {
			return true
		}
	}
	return false
}

// cell keeps text from breaking a Markdown table or list.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// WriteAnnotations writes GitHub Actions workflow commands: an error at the
// scenario line of each verdict that broke its run's expectation, and at
// the file for a harness error.
func WriteAnnotations(w io.Writer, results []*result.Result, lineOf LineOf) error {
	p := &printer{w: w}
	for _, r := range results {
		title := "chaosrun " + r.Scenario
		if r.Error != "" {
			p.f("::error file=%s,title=%s::%s\n", ghProperty(r.File), ghProperty(title), ghData("harness error, the run proves nothing: "+r.Error))
			continue
		}
		for _, b := range result.BrokenVerdicts(r) {
			file, line := r.File, 0
			if lineOf != nil {
				var f string
				if f, line = lineOf(r, b.Name); f != "" {
					file = f
				}
			}
			loc := "file=" + ghProperty(file)
			if line > 0 {
				loc += fmt.Sprintf(",line=%d", line)
			}
			p.f("::error %s,title=%s::%s\n", loc, ghProperty(title), ghData(b.Message()))
		}
	}
	return p.err
}

// GitHub's workflow command escaping: data escapes %, CR and LF; property
// values also : and ,.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
