package docker

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// pullTimeout bounds an image pull attempt: offline it fails fast, online a
// Kafka image is a few hundred MB.
const pullTimeout = 5 * time.Minute

// dockerClient is testcontainers' docker client: the moby client with the
// daemon testcontainers resolves.
type dockerClient = testcontainers.DockerClient

var tcOnce sync.Once

// dockerOff, when set, says why no docker client may be made: this
// package's tests set it under -short, which must not reach a daemon even
// when one answers (cleanups would otherwise look for containers).
var dockerOff string

// configureTestcontainers applies chaosrun's settings before testcontainers
// first reads its config. Ryuk (its reaper) is off unless the environment
// asks for it: its image cannot be pulled offline, and chaosrun removes what
// dead runs leave by its own labels and run-dir locks (cleanDockerIfAnswering).
// The library's default logger is silenced: it prints a banner and a line
// per container, which would bury the run's progress lines.
func configureTestcontainers() {
	tcOnce.Do(func() {
		if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
			os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		}
		tclog.SetDefault(tclog.NewNoopLogger())
	})
}

// NewClient connects to the daemon testcontainers resolves (DOCKER_HOST,
// docker context, default socket) and checks that it answers. Every docker
// client chaosrun uses comes from here, so all see the same daemon and
// settings. The caller closes it.
func NewClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	if dockerOff != "" {
		return nil, fmt.Errorf("docker is off: %s", dockerOff)
	}
	configureTestcontainers()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("no docker daemon answers (start dockerd or set DOCKER_HOST): %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		return nil, fmt.Errorf("no docker daemon answers (start dockerd or set DOCKER_HOST): %w", err)
	}
	return cli, nil
}

// Available reports whether the docker runtime can run image here: a
// daemon answers and the image is present or can be pulled. why says what
// was found, or what is missing and how to get it.
func Available(ctx context.Context, image string) (ok bool, why string) {
	cli, err := NewClient(ctx)
	if err != nil {
		return false, err.Error()
	}
	defer cli.Close()
	if err := ensureImage(ctx, cli, image, 30*time.Second); err != nil {
		return false, err.Error()
	}
	return true, fmt.Sprintf("docker daemon answers and image %s is present", image)
}

// ensureImage returns nil when image is present, else tries to pull it
// within timeout.
func ensureImage(ctx context.Context, cli *dockerClient, image string, timeout time.Duration) error {
	if present, err := ImagePresent(ctx, cli, image); err != nil || present {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := PullImage(pctx, cli, image); err != nil {
		return fmt.Errorf("image %s is not present and cannot be pulled (%v); build it offline with `chaosrun image build`", image, err)
	}
	return nil
}

// ImagePresent tells whether the daemon has image.
func ImagePresent(ctx context.Context, cli *testcontainers.DockerClient, image string) (bool, error) {
	_, err := cli.ImageInspect(ctx, image)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("inspect image %s: %w", image, err)
	}
}

// PullImage pulls image and waits for the pull to end.
func PullImage(ctx context.Context, cli *testcontainers.DockerClient, image string) error {
	resp, err := cli.ImagePull(ctx, image, client.ImagePullOptions{})
	if err != nil {
		return err
	}
	defer resp.Close()
	return resp.Wait(ctx)
}

// imageLabels returns image's labels.
func imageLabels(ctx context.Context, cli *dockerClient, image string) (map[string]string, error) {
	img, err := cli.ImageInspect(ctx, image)
	if err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", image, err)
	}
	if img.Config == nil {
		return nil, nil
	}
	return img.Config.Labels, nil
}
