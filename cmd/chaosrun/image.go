package main

import (
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kafkaimage"
)

// imageRef is a docker image reference: [host[:port]/]path[:tag].
var imageRef = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$`)

func imageCmd() *cobra.Command {
	img := &cobra.Command{
		Use:   "image",
		Short: "Manage the Kafka image the docker runtime runs",
		Args:  cobra.NoArgs,
	}
	img.AddCommand(imageBuildCmd())
	return img
}

func imageBuildCmd() *cobra.Command {
	var name, base string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the Kafka image locally, with no registry",
		Long: `Build tags an image holding Kafka ` + harness.DefaultKafkaVersion + `'s jars (resolved with Maven) on top of a
base image with a JRE 17+. The default base, ` + kafkaimage.DefaultBase + `, is created when
missing with debootstrap (root, Debian's package mirror), so no container registry is needed.
Use it with CHAOSRUN_IMAGE=<name> chaosrun run --runtime docker FILE.
Exit codes: 0 built, 2 bad flag, 3 the build failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for flag, v := range map[string]string{"--name": name, "--base": base} {
				if v != "" && !imageRef.MatchString(v) {
					return &exitError{exitBadInput, fmt.Errorf("%s %q: not an image reference", flag, v)}
				}
			}
			// Interrupted, the build stops and debootstrap's temp root is removed.
			ctx, stop := signal.NotifyContext(ctxOrBackground(cmd.Context()), os.Interrupt, syscall.SIGTERM)
			defer stop()
			built, err := kafkaimage.Build(ctx, kafkaimage.Options{
				Name: name, Base: base, Logf: progress(quiet),
			})
			if err != nil {
				return &exitError{exitHarnessError, err}
			}
			fmt.Fprintln(os.Stdout, built)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "image name (default "+kafkaimage.Name("")+")")
	cmd.Flags().StringVar(&base, "base", "", "base image with a JRE 17+ on PATH (default "+kafkaimage.DefaultBase+", created with debootstrap)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress lines, only the image name")
	return cmd
}
