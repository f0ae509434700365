package kafkaimage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// imagePresent tells whether the daemon has image.
func imagePresent(ctx context.Context, cli *dockerClient, image string) (bool, error) {
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

// pullImage pulls image and waits for the pull to end.
func pullImage(ctx context.Context, cli *dockerClient, image string) error {
	resp, err := cli.ImagePull(ctx, image, client.ImagePullOptions{})
	if err != nil {
		return err
	}
	defer resp.Close()
	return resp.Wait(ctx)
}

// streamMessage is one line of the daemon's JSON progress stream.
type streamMessage struct {
	Stream string `json:"stream"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

// followStream reads a build or import stream to its end, logging steps
// and returning the first error the daemon reports.
func followStream(r io.Reader, logf func(string, ...any)) error {
	dec := json.NewDecoder(r)
	for {
		var m streamMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read daemon output: %w", err)
		}
		if m.Error != "" {
			return errors.New(strings.TrimSpace(m.Error))
		}
		if s := strings.TrimSpace(m.Stream); strings.HasPrefix(s, "Step ") {
			logf("  %s", s)
		}
	}
}
