// Command chaosrun runs chaos and load scenarios against real Apache Kafka
// and judges them: loss, per-key order, lag, latency.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := &cobra.Command{
		Use:           "chaosrun",
		Short:         "Chaos and load-testing harness for Apache Kafka",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), gateCmd(), capacityCmd(), reportCmd(), listCmd(), validateCmd(), cleanCmd(), imageCmd())
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "chaosrun:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitBadInput // cobra's own errors: unknown command or flag, wrong arguments
}
