package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chaosrun/chaosrun/harness"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Labels on every container and network the docker runtime creates. Ryuk
// cannot run offline, so these are what finds a dead run's leftovers: the run
// id names it, the run dir's lock tells whether it still lives.
const (
	labelChaosrun = "chaosrun"      // "1": made by chaosrun
	labelRun      = "chaosrun.run"  // the run id
	labelDir      = "chaosrun.dir"  // the run dir whose lock the live run holds
	labelNode     = "chaosrun.node" // the node id (containers only)
)

// runLabels are the labels of run id whose run dir is dir.
func runLabels(id, dir string) map[string]string {
	return map[string]string{labelChaosrun: "1", labelRun: id, labelDir: dir}
}

// leftover is a container or network some run labelled.
type leftover struct {
	kind   string // "container" or "network"
	id     string
	name   string
	labels map[string]string
}

func (l leftover) String() string {
	return fmt.Sprintf("%s %s (run %s)", l.kind, l.name, l.labels[labelRun])
}

// runIsDead tells from a leftover's labels whether its run is over: its run
// dir is gone, or nobody holds the dir's lock. A lock that cannot be tried
// counts as held: better leave a leftover than break a live run.
func runIsDead(labels map[string]string) bool {
	dir := labels[labelDir]
	if dir == "" {
		return true // chaosrun's, but no live run can own it
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return true
	}
	lock, ok, err := harness.TryLock(filepath.Join(dir, harness.LockName))
	if err != nil || !ok {
		return false
	}
	lock.Close()
	return true
}

// deadLeftovers keeps the items whose run is over, deciding once per run.
func deadLeftovers(items []leftover, isDead func(map[string]string) bool) []leftover {
	dead := map[string]bool{}
	var out []leftover
	for _, it := range items {
		run := it.labels[labelRun]
		d, seen := dead[run]
		if !seen {
			d = isDead(it.labels)
			dead[run] = d
		}
		if d {
			out = append(out, it)
		}
	}
	return out
}

// removeLeftovers removes the containers, then the networks, that carry
// label (key=value) and whose run isDead. Containers go first: a network
// with endpoints cannot be removed.
func removeLeftovers(ctx context.Context, cli *dockerClient, label string,
	isDead func(map[string]string) bool, logf func(string, ...any)) ([]string, error) {
	var removed []string
	var errs []error
	for _, list := range []func(context.Context, *dockerClient, string) ([]leftover, error){
		listContainers, listNetworks,
	} {
		items, err := list(ctx, cli, label)
		errs = append(errs, err)
		for _, it := range deadLeftovers(items, isDead) {
			if err := removeLeftover(ctx, cli, it); err != nil {
				errs = append(errs, err)
				continue
			}
			logf("removed leftover %s", it)
			removed = append(removed, it.String())
		}
	}
	return removed, errors.Join(errs...)
}

func listContainers(ctx context.Context, cli *dockerClient, label string) ([]leftover, error) {
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]leftover, 0, len(res.Items))
	for _, c := range res.Items {
		name := c.ID[:min(12, len(c.ID))]
		if len(c.Names) > 0 {
			name = c.Names[0][1:] // names start with "/"
		}
		out = append(out, leftover{kind: "container", id: c.ID, name: name, labels: c.Labels})
	}
	return out, nil
}

func listNetworks(ctx context.Context, cli *dockerClient, label string) ([]leftover, error) {
	res, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	out := make([]leftover, 0, len(res.Items))
	for _, n := range res.Items {
		out = append(out, leftover{kind: "network", id: n.ID, name: n.Name, labels: n.Labels})
	}
	return out, nil
}

// removeLeftover force-removes a container (with its anonymous volumes, e.g.
// the official image's data volume) or removes a network. Gone already is
// fine: two cleanups may race.
func removeLeftover(ctx context.Context, cli *dockerClient, it leftover) error {
	var err error
	if it.kind == "container" {
		_, err = cli.ContainerRemove(ctx, it.id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	} else {
		_, err = cli.NetworkRemove(ctx, it.id, client.NetworkRemoveOptions{})
	}
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove %s: %w", it, err)
	}
	return nil
}
