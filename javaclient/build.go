// Package javaclient builds and runs chaosrun's workload clients on the
// Apache Kafka Java client (java/ChaosrunClient.java) and speaks their line
// protocol: a producer process sends what it is handed and reports each
// send's outcome; a consumer process is a group member that hands over what
// it polls and commits when told.
package javaclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/chaosrun/chaosrun/internal/javaprops"
)

//go:embed java/ChaosrunClient.java
var source []byte

// log4j configuration of the client processes: the client's warnings (such
// as "Expiring N record(s)") go to stderr, which the run keeps.
const log4jConfig = `rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %d{HH:mm:ss.SSS} %-5p [%c{1}] %m%n
`

// Program is the compiled client, ready to run.
type Program struct {
	classes string // compiled classes and the log4j config
	libs    string // Kafka's jars
	// JVMArgs go on every process's command line (the run's cleanup markers).
	JVMArgs []string
	// Version is the Kafka client version the program runs on.
	Version string
}

// Build compiles the client against the jars in libs (Kafka version) into
// cacheDir, once per source and version: later builds reuse it.
func Build(ctx context.Context, libs, version, cacheDir string) (Program, error) {
	if _, err := exec.LookPath("javac"); err != nil {
		return Program{}, fmt.Errorf("javac not found on PATH: client: java compiles its client with a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless)")
	}
	sum := sha256.Sum256(append(append([]byte(nil), source...), version...))
	dir := filepath.Join(cacheDir, "java-client-"+hex.EncodeToString(sum[:8]))
	p := Program{classes: dir, libs: libs, Version: version}
	if _, err := os.Stat(filepath.Join(dir, "ChaosrunClient.class")); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return Program{}, fmt.Errorf("java client cache: %w", err)
	}
	// Built aside and renamed: a concurrent or killed build leaves no half directory.
	tmp, err := os.MkdirTemp(cacheDir, ".java-client-")
	if err != nil {
		return Program{}, fmt.Errorf("java client cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "ChaosrunClient.java")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		return Program{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "log4j2.properties"), []byte(log4jConfig), 0o644); err != nil {
		return Program{}, err
	}
	cmd := exec.CommandContext(ctx, "javac", "-nowarn", "-encoding", "UTF-8", "-cp", filepath.Join(libs, "*"), "-d", tmp, src)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Program{}, fmt.Errorf("compile the Java client against %s: %w\n%s", libs, err, out.String())
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "ChaosrunClient.class")); serr == nil {
			return p, nil // another build got there first
		}
		return Program{}, fmt.Errorf("java client cache: %w", err)
	}
	return p, nil
}

// command is a client process of mode with the given properties file.
func (p Program) command(args ...string) *exec.Cmd {
	jvm := append(strings.Fields(os.Getenv("CHAOSRUN_CLIENT_JAVA_OPTS")),
		"-Dlog4j2.configurationFile="+filepath.Join(p.classes, "log4j2.properties"),
		"-cp", p.classes+string(os.PathListSeparator)+filepath.Join(p.libs, "*"))
	jvm = append(jvm, p.JVMArgs...)
	return exec.Command("java", append(append(jvm, "ChaosrunClient"), args...)...)
}

// writeProps writes settings as a properties file in a new temp dir; the
// caller removes the dir.
func writeProps(settings map[string]string) (dir, path string, err error) {
	dir, err = os.MkdirTemp("", "chaosrun-java-")
	if err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, "client.properties")
	return dir, path, os.WriteFile(path, []byte(javaprops.Render(settings)), 0o600)
}
