package docker

import (
	"context"

	"github.com/chaosrun/chaosrun/harness"
)

// RunResources lists run id's containers and networks, named as
// the docker cleanup names what it removes: to see what a run left.
func RunResources(ctx context.Context, id string) ([]string, error) {
	cli, err := NewClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	var out []string
	for _, list := range []func(context.Context, *dockerClient, string) ([]leftover, error){listContainers, listNetworks} {
		items, err := list(ctx, cli, labelRun+"="+id)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, it.String())
		}
	}
	return out, nil
}

// RemoveRun removes run id's containers and networks, live or dead: for
// what a run that cannot close itself left.
func RemoveRun(ctx context.Context, id string, logf func(string, ...any)) ([]string, error) {
	cli, err := NewClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	all := func(map[string]string) bool { return true }
	return removeLeftovers(ctx, cli, labelRun+"="+id, all, harness.OrNop(logf))
}

// ContainerID is node id's container, "" before its first start.
func (r *Runtime) ContainerID(id int32) string {
	n, ok := r.Lookup(id)
	if !ok {
		return ""
	}
	n.Lock()
	defer n.Unlock()
	return n.containerID
}
