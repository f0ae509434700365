package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/chaosrun/chaosrun/spec"
)

func listCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the shipped scenarios, one line each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listScenarios(dir)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "scenarios", "directory to look for *.yaml scenarios in (recursively)")
	return cmd
}

func listScenarios(dir string) error {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return &exitError{exitBadInput, fmt.Errorf("list %s: %w", dir, err)}
	}
	sort.Strings(files)
	var bad error
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	for _, f := range files {
		s, err := spec.Load(f)
		if err != nil {
			bad = err
			fmt.Fprintf(w, "%s\tINVALID\t(run chaosrun validate %s)\n", f, f)
			continue
		}
		expect := "expect pass"
		if s.Expect.Verdict == "fail" {
			expect = "expect fail " + strings.Join(s.Expect.Failing, ",")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", f, expect, firstSentence(s.Description))
	}
	w.Flush()
	if bad != nil {
		return &exitError{exitBadInput, bad}
	}
	return nil
}

// firstSentence gives the description's first sentence on one line.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}
