package kafkaimage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/chaosrun/chaosrun/internal/lines"
	"github.com/moby/moby/client"
)

// BaseRecipe is how to make DefaultBase by hand, as root; what
// createBaseImage does.
const BaseRecipe = `apt-get install -y debootstrap
debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm DIR
tar -C DIR -c . | docker import - ` + DefaultBase

// rootfsExcludes keep apt's caches and the docs out of the base image.
var rootfsExcludes = []string{
	"./var/cache/apt/archives/*.deb", "./var/lib/apt/lists/*", "./usr/share/doc", "./usr/share/man",
}

// createBaseImage bootstraps Debian with OpenJDK 17 into a temp dir and
// imports it as name. It needs root and debootstrap (installed with apt-get
// when missing) and Debian's package mirror.
func createBaseImage(ctx context.Context, cli *dockerClient, name string, logf func(string, ...any)) error {
	if err := debootstrapReady(ctx, logf); err != nil {
		return fmt.Errorf("base image %s is missing and cannot be made here: %v\nmake it as root with:\n%s\nor pass --base with a local image that has a JRE 17+",
			name, err, BaseRecipe)
	}
	dir, err := os.MkdirTemp("", "chaosrun-base-")
	if err != nil {
		return err
	}
	defer func() { unmountUnder(dir); os.RemoveAll(dir) }()
	logf("creating base image %s: debootstrap Debian bookworm with OpenJDK 17 (about a minute)", name)
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include=openjdk-17-jre-headless", "bookworm", dir)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // its trap unmounts /proc
	cmd.WaitDelay = 30 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("debootstrap: %w\n%s", err, lines.Tail(string(out), 20))
	}
	logf("importing %s into docker as %s", dir, name)
	return importRootfs(ctx, cli, dir, name)
}

// debootstrapReady checks for root and debootstrap, installing it with
// apt-get when that is possible.
func debootstrapReady(ctx context.Context, logf func(string, ...any)) error {
	if os.Geteuid() != 0 {
		return errors.New("debootstrap needs root")
	}
	if _, err := exec.LookPath("debootstrap"); err == nil {
		return nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("debootstrap is not installed and there is no apt-get to install it")
	}
	logf("installing debootstrap with apt-get")
	if aptGet(ctx, "install", "-y", "debootstrap") == nil {
		return nil
	}
	if err := aptGet(ctx, "update"); err != nil { // the package lists may be missing or stale
		return err
	}
	return aptGet(ctx, "install", "-y", "debootstrap")
}

func aptGet(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, lines.Tail(string(out), 10))
	}
	return nil
}

// importRootfs tars dir with the system tar (device nodes, hard links and
// ownership kept as they are) straight into docker import.
func importRootfs(ctx context.Context, cli *dockerClient, dir, name string) error {
	args := []string{"--numeric-owner", "-C", dir, "-c"}
	for _, ex := range rootfsExcludes {
		args = append(args, "--exclude="+ex)
	}
	cmd := exec.CommandContext(ctx, "tar", append(args, ".")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("tar: %w", err)
	}
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: out, SourceName: "-"}, name,
		client.ImageImportOptions{Changes: []string{`CMD ["/bin/bash"]`, "ENV LANG=C.UTF-8"}})
	if err == nil {
		err = followStream(res, func(string, ...any) {})
		res.Close()
	}
	if werr := cmd.Wait(); werr != nil && err == nil {
		err = fmt.Errorf("tar: %w\n%s", werr, lines.Tail(stderr.String(), 10))
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	return nil
}

// unmountUnder detaches whatever a killed debootstrap left mounted under
// dir (/proc, /sys), so removing dir cannot reach into them.
func unmountUnder(dir string) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	f.Close()
	for i := len(points) - 1; i >= 0; i-- { // deepest last mounted, first unmounted
		syscall.Unmount(points[i], syscall.MNT_DETACH)
	}
}
