package main

import (
	"fmt"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/spf13/cobra"
)

func cleanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "clean",
		Short: "Remove what crashed runs left behind (Kafka JVMs, containers, networks, data dirs)",
		Long: `Every run does this on start; clean does it on demand. Live runs are left alone.
Docker containers and networks labelled chaosrun=1 are removed when their run is dead
(its run dir gone or its lock free); without a docker daemon only JVMs and dirs are cleaned.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			removed, err := runtimes.CleanLeftovers("", nil)
			for _, r := range removed {
				fmt.Println("removed", r)
			}
			if err != nil {
				return &exitError{exitHarnessError, err}
			}
			if len(removed) == 0 {
				fmt.Println("nothing to clean")
			}
			return nil
		},
	}
}
