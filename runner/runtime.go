package runner

import (
	"context"
	"fmt"
	"os"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kafkaimage"
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
// present or pullable (or, when no image was named, the offline image
// `chaosrun image build` makes is present), else local JVMs. It returns the
// image to use and says why, for the result.
func chooseRuntime(ctx context.Context, want, image string, named bool) (name, img, why string) {
	switch want {
	case RuntimeDocker:
		return RuntimeDocker, image, "asked for docker"
	case RuntimeProcess:
		return RuntimeProcess, image, "asked for process"
	}
	ok, reason := harness.DockerAvailable(ctx, image)
	if ok {
		return RuntimeDocker, image, "auto: " + reason
	}
	if offline := kafkaimage.Name(harness.DefaultKafkaVersion); !named && offline != image {
		if ok, why := harness.DockerAvailable(ctx, offline); ok {
			return RuntimeDocker, offline, "auto: " + why + " (" + image + " is not)"
		}
	}
	return RuntimeProcess, image, "auto: docker not usable (" + reason + "), so Kafka runs as local JVMs"
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
