// Package gate runs a set of scenarios as one release gate: every file
// read and checked before anything starts, the same overrides applied to
// each, each run's result kept, and one exit code for the lot.
package gate

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
	"github.com/chaosrun/chaosrun/thresholds"
)

// Entry is one scenario of the gate, loaded with its overrides and the
// suite's thresholds.
type Entry struct {
	Scenario *spec.Scenario
	Suite    string // the suite file it came through, if any
	// SuiteLines are the lines of the suite's thresholds, by their text.
	SuiteLines map[string]int
}

// Collect expands paths (scenario files, folders searched for *.yaml, suite
// files) into entries, in order, each scenario once. cli overrides apply
// to every scenario, after a suite's own. All bad input is returned
// together as *spec.Errors.
func Collect(paths []string, cli []spec.Override) ([]Entry, error) {
	var out []Entry
	bad := &spec.Errors{}
	seen := map[string]bool{}
	var add func(path string, suite *Suite)
	add = func(path string, suite *Suite) {
		files, err := yamlFiles(path)
		if err != nil {
			bad.List = append(bad.List, &spec.Error{File: path, Msg: err.Error()})
			return
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				bad.List = append(bad.List, &spec.Error{File: f, Msg: err.Error()})
				continue
			}
			if IsSuite(data) {
				if suite != nil {
					bad.List = append(bad.List, &spec.Error{File: f, Msg: "a suite inside suite " + suite.File + ": suites do not nest"})
					continue
				}
				s, err := ParseSuite(f, data)
				if err != nil {
					bad.List = append(bad.List, spec.AsErrors(err).List...)
					continue
				}
				for _, p := range s.Paths {
					add(p, s)
				}
				continue
			}
			abs, _ := filepath.Abs(f)
			if seen[abs] {
				continue
			}
			seen[abs] = true
			e, err := load(f, data, suite, cli)
			if err != nil {
				bad.List = append(bad.List, spec.AsErrors(err).List...)
				continue
			}
			out = append(out, e)
		}
	}
	for _, p := range paths {
		add(p, nil)
	}
	if len(bad.List) > 0 {
		return nil, bad
	}
	if len(out) == 0 {
		return nil, &spec.Errors{List: []*spec.Error{{File: strings.Join(paths, " "), Msg: "no scenario files (*.yaml) found"}}}
	}
	return out, nil
}

func load(file string, data []byte, suite *Suite, cli []spec.Override) (Entry, error) {
	var ovs []spec.Override
	e := Entry{}
	if suite != nil {
		ovs = append(ovs, suite.Overrides...)
		e.Suite = suite.File
	}
	s, err := spec.ParseWith(file, data, append(ovs, cli...))
	if err != nil {
		return e, err
	}
	if suite != nil {
		e.SuiteLines = map[string]int{}
		for _, t := range suite.Thresholds {
			if !slices.ContainsFunc(s.Limits, func(o thresholds.Threshold) bool { return o.Text == t.Text }) {
				s.Limits = append(s.Limits, t.Threshold)
				e.SuiteLines[t.Text] = t.Line
			}
		}
	}
	e.Scenario = s
	return e, nil
}

// yamlFiles is path itself, or the *.yaml files under the folder path,
// sorted.
func yamlFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return err
	})
	slices.Sort(files)
	return files, err
}

// Options configure a gate's runs.
type Options struct {
	Runtime, Image  string
	External        *spec.External // run every scenario on this existing cluster
	Keep            bool           // leave each run's topics and groups on it
	OutDir          string         // each run writes into OutDir/<scenario name>
	Logf            func(string, ...any)
	Progress        func(runner.Progress)
	ProgressLatency bool
	// Each is told every finished run, in order (the result is nil when the
	// run could not start).
	Each func(e Entry, res *result.Result, err error)
}

// Run is one scenario's outcome.
type Run struct {
	Entry  Entry
	Result *result.Result // nil when nothing ran
	Err    error          // a harness error: the run proves nothing
}

// Outcome is the gate's result.
type Outcome struct {
	Runs []Run
}

// Execute runs the entries one after another. A cancelled ctx stops the
// gate after the run in progress; the runs not started are not in Runs.
func Execute(ctx context.Context, entries []Entry, o Options) *Outcome {
	out := &Outcome{}
	dirs := map[string]int{}
	for _, e := range entries {
		if ctx.Err() != nil {
			break
		}
		name := e.Scenario.Name
		dirs[name]++
		if n := dirs[name]; n > 1 {
			name = fmt.Sprintf("%s-%d", name, n)
		}
		res, err := runner.Run(ctx, e.Scenario, runner.Options{Runtime: o.Runtime, Image: o.Image,
			OutDir: filepath.Join(o.OutDir, name), Logf: o.Logf, Progress: o.Progress, ProgressLatency: o.ProgressLatency,
			External: o.External, Keep: o.Keep})
		out.Runs = append(out.Runs, Run{Entry: e, Result: res, Err: err})
		if o.Each != nil {
			o.Each(e, res, err)
		}
	}
	return out
}

// Gate exit outcomes, in the order they win: a run that proves nothing is
// never a pass, and a gate cut short proves nothing about the rest.
const (
	Passed     = "passed"
	Failed     = "failed"     // some expectation or threshold not met
	Unfinished = "unfinished" // a harness error, or runs not made
)

// Verdict is the gate's: Unfinished when any run errored or entries were
// not run, else Failed when any expectation was unmet, else Passed.
func (o *Outcome) Verdict(planned int) string {
	if len(o.Runs) < planned {
		return Unfinished
	}
	failed := false
	for _, r := range o.Runs {
		switch {
		case r.Err != nil || r.Result == nil:
			return Unfinished
		case !r.Result.ExpectationMet:
			failed = true
		}
	}
	if failed {
		return Failed
	}
	return Passed
}

// Results are the runs' results, for the reports.
func (o *Outcome) Results() []*result.Result {
	var out []*result.Result
	for _, r := range o.Runs {
		if r.Result != nil {
			out = append(out, r.Result)
		}
	}
	return out
}
