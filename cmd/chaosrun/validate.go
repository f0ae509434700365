package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/chaosrun/chaosrun/spec"
)

func validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scenario files without running them",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var failed error
			for _, f := range args {
				if _, err := spec.Load(f); err != nil {
					fmt.Fprintln(os.Stderr, err)
					failed = err
					continue
				}
				fmt.Printf("%s: ok\n", f)
			}
			if failed != nil {
				return &exitError{exitBadInput, fmt.Errorf("invalid scenario file(s)")}
			}
			return nil
		},
	}
}
