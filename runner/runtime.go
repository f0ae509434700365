package runner

import (
	"context"
	"fmt"
	"os"

	"github.com/chaosrun/chaosrun/harness"
)

// Runtime names.
const (
	RuntimeAuto    = "auto"
	RuntimeDocker  = "docker"
	RuntimeProcess = "process"
)

// runtime is what the runner needs of a harness runtime beyond the interface.
type runtime interface {
	harness.Runtime
	RunDir() string
}

// DefaultImage is the image the docker runtime uses unless told otherwise:
// CHAOSRUN_IMAGE, else the official image of the pinned Kafka version.
func DefaultImage() string {
	if img := os.Getenv("CHAOSRUN_IMAGE"); img != "" {
		return img
	}
	return "apache/kafka:" + harness.DefaultKafkaVersion
}

// chooseRuntime resolves auto: docker when a daemon answers and the image is
// present or pullable, else local JVMs. It says why, for the result.
func chooseRuntime(ctx context.Context, want, image string) (name, why string) {
	switch want {
	case RuntimeDocker:
		return RuntimeDocker, "asked for docker"
	case RuntimeProcess:
		return RuntimeProcess, "asked for process"
	}
	ok, reason := harness.DockerAvailable(ctx, image)
	if ok {
		return RuntimeDocker, "auto: " + reason
	}
	return RuntimeProcess, "auto: docker not usable (" + reason + "), so Kafka runs as local JVMs"
}

func (r *run) newRuntime(ctx context.Context, name string) (runtime, error) {
	switch name {
	case RuntimeDocker:
		return harness.NewDockerRuntime(ctx, harness.DockerOptions{Image: r.image, RunID: r.id, Logf: r.logf})
	case RuntimeProcess:
		libs, err := harness.KafkaLibs(ctx, harness.DefaultKafkaVersion, r.logf)
		if err != nil {
			return nil, err
		}
		return harness.NewProcessRuntime(harness.ProcessOptions{
			Version: harness.DefaultKafkaVersion, LibsDir: libs, RunID: r.id, Logf: r.logf,
		})
	}
	return nil, fmt.Errorf("unknown runtime %q (want auto, docker or process)", name)
}
