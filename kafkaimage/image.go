// Package kafkaimage builds, with no registry, a Kafka image the docker
// runtime (docker.Runtime) can run: a local base image with a JRE 17+
// plus Kafka's Maven-resolved jars where the runtime expects them, labelled
// with the Kafka version. The default base is made with debootstrap.
//
// It sits beside the runtimes: it takes the jars from harness and the image
// contract and docker client from harness/docker; neither knows of it.
package kafkaimage

import (
	"archive/tar"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/harness/docker"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/chaosrun/chaosrun/harness"
)

// DefaultBase is the local image Build builds on unless told otherwise:
// Debian bookworm with OpenJDK 17, made with debootstrap when missing, so no
// registry is needed.
const DefaultBase = "chaosrun/base:bookworm-jre17"

// Name is the name Build gives the image of Kafka version (empty means
// harness.DefaultKafkaVersion).
func Name(version string) string {
	return "chaosrun/kafka:" + cmp.Or(version, harness.DefaultKafkaVersion)
}

// Options configure Build. Every field is optional.
type Options struct {
	// Name tags the image (default Name(Version)).
	Name string
	// Base is any image with a JRE 17+ on PATH (default DefaultBase,
	// created when missing; other bases are pulled when missing).
	Base string
	// Version is the Kafka version (default harness.DefaultKafkaVersion).
	Version string
	// LibsDir holds the Kafka jars; empty resolves them with
	// harness.KafkaLibs.
	LibsDir string
	// Logf receives progress.
	Logf func(string, ...any)
}

// dockerClient is the client harness connects; the builder adds no setup.
type dockerClient = testcontainers.DockerClient

// pullTimeout bounds a base image pull: offline it fails fast, online a
// JRE image is a few hundred MB.
const pullTimeout = 5 * time.Minute

// Build builds a Kafka image the docker runtime can run without any
// registry: Base plus Kafka's Maven-resolved jars in docker.ImageLibsDir,
// run as a non-root user like the official image, labelled with the Kafka
// version. It returns the image name.
func Build(ctx context.Context, opts Options) (string, error) {
	opts, err := withDefaults(ctx, opts)
	if err != nil {
		return "", err
	}
	cli, err := docker.NewClient(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	if err := ensureBase(ctx, cli, opts.Base, opts.Logf); err != nil {
		return "", err
	}
	opts.Logf("building %s from %s with the Kafka %s jars in %s", opts.Name, opts.Base, opts.Version, opts.LibsDir)
	if err := buildKafkaImage(ctx, cli, opts); err != nil {
		return "", fmt.Errorf("build image %s: %w", opts.Name, err)
	}
	return opts.Name, nil
}

// withDefaults fills defaults and resolves the jars.
func withDefaults(ctx context.Context, o Options) (Options, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	o.Base = cmp.Or(o.Base, DefaultBase)
	if o.LibsDir == "" {
		libs, err := harness.KafkaLibs(ctx, o.Version, o.Logf)
		if err != nil {
			return o, err
		}
		o.LibsDir = libs
	}
	got, err := harness.LibsVersion(o.LibsDir)
	if err != nil {
		return o, err
	}
	if o.Version != "" && o.Version != got {
		o.Logf("the jars in %s are Kafka %s, not %s: building %s", o.LibsDir, got, o.Version, got)
	}
	o.Version = got
	o.Name = cmp.Or(o.Name, Name(got))
	return o, nil
}

// ensureBase makes sure the base image is present: the default one is
// created with debootstrap, any other is pulled.
func ensureBase(ctx context.Context, cli *dockerClient, base string, logf func(string, ...any)) error {
	if present, err := docker.ImagePresent(ctx, cli, base); err != nil || present {
		return err
	}
	if base == DefaultBase {
		return createBaseImage(ctx, cli, base, logf)
	}
	logf("pulling base image %s", base)
	pctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	if err := docker.PullImage(pctx, cli, base); err != nil {
		return fmt.Errorf("base image %s is not present and cannot be pulled (%v); name a local image with a JRE 17+, or leave the base out to create %s with debootstrap",
			base, err, DefaultBase)
	}
	return nil
}

// dockerfile adds the jars to base. RUN java -version fails the build at
// once when base has no java on PATH.
func dockerfile(base, version string) string {
	return fmt.Sprintf(`FROM %s
COPY libs/ %s/
RUN java -version
LABEL %s=%q
USER 1000:1000
`, base, docker.ImageLibsDir, docker.ImageVersionLabel, version)
}

// buildKafkaImage streams the build context to the daemon and follows the
// build output, which reports errors in-band.
func buildKafkaImage(ctx context.Context, cli *dockerClient, opts Options) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeBuildContext(pw, dockerfile(opts.Base, opts.Version), opts.LibsDir)) }()
	defer pr.Close()
	res, err := cli.ImageBuild(ctx, pr, client.ImageBuildOptions{
		Tags: []string{opts.Name}, Dockerfile: "Dockerfile", Remove: true, ForceRemove: true,
	})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return followStream(res.Body, opts.Logf)
}

// writeBuildContext writes a tar holding the Dockerfile and libs/<jar>.
// Fixed times keep the daemon's build cache valid across builds.
func writeBuildContext(w io.Writer, dockerfileText, libsDir string) error {
	tw := tar.NewWriter(w)
	mtime := time.Unix(0, 0)
	add := func(name string, size int64, body io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: mtime, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := io.Copy(tw, body)
		return err
	}
	if err := add("Dockerfile", int64(len(dockerfileText)), strings.NewReader(dockerfileText)); err != nil {
		return err
	}
	jars, err := filepath.Glob(filepath.Join(libsDir, "*.jar"))
	if err != nil || len(jars) == 0 {
		return fmt.Errorf("no jars in %s", libsDir)
	}
	for _, j := range jars {
		if err := addFile(add, "libs/"+filepath.Base(j), j); err != nil {
			return err
		}
	}
	return tw.Close()
}

func addFile(add func(string, int64, io.Reader) error, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return add(name, st.Size(), f)
}
