package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/chaosrun/chaosrun/reports"
	"github.com/chaosrun/chaosrun/result"
	"github.com/chaosrun/chaosrun/spec"
)

func reportCmd() *cobra.Command {
	var junit, markdown string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "report RESULT.json...",
		Short: "Render the reports of stored results again",
		Long: `Report reads stored results and renders every report of each again next to
it (report.html, the .hgrm files; result.json itself is left as it is), prints
each summary, and writes JUnit XML and Markdown
over all of them when asked. Exit codes: 0 every expectation met, 1 some not
met, 2 bad input (a file that is not a chaosrun result), 3 a result of a run
that errored.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return renderReports(args, gateFlags{junit: junit, markdown: markdown, quiet: quiet}, os.Stdout)
		},
	}
	cmd.Flags().StringVar(&junit, "junit", "", "write JUnit XML here")
	cmd.Flags().StringVar(&markdown, "markdown", "", "write a Markdown report here (also appended to $GITHUB_STEP_SUMMARY when set)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no summaries, one line per result")
	return cmd
}

func renderReports(files []string, f gateFlags, stdout io.Writer) error {
	var results []*result.Result
	dirs := map[string]string{}
	for _, file := range files {
		dir := filepath.Dir(file)
		if other, ok := dirs[dir]; ok {
			return &exitError{exitBadInput, fmt.Errorf("%s and %s are in one folder: the reports rendered next to them would overwrite each other", other, file)}
		}
		dirs[dir] = file
		r, err := reports.ReadJSON(file)
		if err != nil {
			return &exitError{exitBadInput, fmt.Errorf("%s: %w", file, err)}
		}
		r.Path = file
		results = append(results, r)
	}
	unmet, errored := 0, 0
	for _, r := range results {
		if err := reports.Rerender(filepath.Dir(r.Path), r); err != nil {
			return &exitError{exitHarnessError, err}
		}
		if !f.quiet {
			reports.Summary(stdout, r)
		}
		status := "met"
		switch {
		case r.Error != "":
			errored++
			status = "ERROR: " + r.Error
		case !r.ExpectationMet:
			unmet++
			status = fmt.Sprintf("NOT met: %v", r.Unmet())
		}
		fmt.Fprintf(stdout, "%s (%s): %s\n", r.Scenario, r.Path, status)
	}
	lines := func(r *result.Result, verdict string) (string, int) {
		if s, err := spec.Load(r.File); err == nil {
			return "", s.LineOf(verdict)
		}
		return "", 0 // the scenario file moved or changed: annotate the file only
	}
	if err := writeGateReports(f, results, nil, lines); err != nil {
		return &exitError{exitHarnessError, err}
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		reports.WriteAnnotations(stdout, results, lines)
	}
	switch {
	case errored > 0:
		return &exitError{exitHarnessError, fmt.Errorf("%d results are of runs that errored", errored)}
	case unmet > 0:
		return &exitError{exitUnmet, fmt.Errorf("%d results did not meet their expectation", unmet)}
	}
	return nil
}
