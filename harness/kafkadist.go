package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/chaosrun/chaosrun/internal/lines"
)

// DefaultKafkaVersion is the Kafka version resolved when none is asked for.
const DefaultKafkaVersion = "4.3.1"

// Log4j and SLF4J versions resolved next to Kafka. SLF4J 2 must be explicit:
// Kafka pulls SLF4J 1.7, which does not bind log4j-slf4j2 and logs nothing.
const (
	log4jVersion = "2.24.3"
	slf4jVersion = "2.0.17"
)

var versionPattern = regexp.MustCompile(`^[0-9][0-9A-Za-z.\-]*$`)

// KafkaLibs returns a directory holding the jars of Kafka version (empty
// means DefaultKafkaVersion) for `java -cp '<dir>/*'`. If KAFKA_HOME is set,
// $KAFKA_HOME/libs is used whatever its version (see LibsVersion); else the
// jars are resolved with Maven into <cache>/kafka-<version>/libs, where
// <cache> is $CHAOSRUN_CACHE or <os.UserCacheDir()>/chaosrun, and reused
// once complete.
func KafkaLibs(ctx context.Context, version string, logf func(string, ...any)) (string, error) {
	logf = OrNop(logf)
	if home := os.Getenv("KAFKA_HOME"); home != "" {
		return kafkaHomeLibs(home, version, logf)
	}
	if version == "" {
		version = DefaultKafkaVersion
	}
	if !versionPattern.MatchString(version) {
		return "", fmt.Errorf("kafka version %q: not a version", version)
	}
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	return resolveLibs(ctx, filepath.Join(root, "kafka-"+version), version, logf)
}

// LibsVersion reads the Kafka version from the kafka_2.13-<version>.jar in
// libsDir.
func LibsVersion(libsDir string) (string, error) {
	jars, _ := filepath.Glob(filepath.Join(libsDir, "kafka_2.13-*.jar"))
	for _, j := range jars {
		v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(j), "kafka_2.13-"), ".jar")
		if versionPattern.MatchString(v) && !strings.HasSuffix(v, "-test") && !strings.HasSuffix(v, "-sources") {
			return v, nil
		}
	}
	return "", fmt.Errorf("no kafka_2.13-<version>.jar in %s", libsDir)
}

func kafkaHomeLibs(home, version string, logf func(string, ...any)) (string, error) {
	libs := filepath.Join(home, "libs")
	if st, err := os.Stat(libs); err != nil || !st.IsDir() {
		return "", fmt.Errorf("KAFKA_HOME=%s: no libs directory %s", home, libs)
	}
	got, err := LibsVersion(libs)
	if err != nil {
		return "", fmt.Errorf("KAFKA_HOME=%s: %w", home, err)
	}
	if version != "" && version != got {
		logf("KAFKA_HOME is set: using Kafka %s from %s instead of %s", got, libs, version)
	}
	return libs, nil
}

func cacheRoot() (string, error) {
	if c := os.Getenv("CHAOSRUN_CACHE"); c != "" {
		return c, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find cache dir (set CHAOSRUN_CACHE): %w", err)
	}
	return filepath.Join(c, "chaosrun"), nil
}

// resolveLibs fills dir/libs with Maven unless a completed resolve is there.
// It resolves into a temp dir and renames it, under a lock, so neither a
// killed nor a concurrent resolve leaves a half cache.
func resolveLibs(ctx context.Context, dir, version string, logf func(string, ...any)) (string, error) {
	libs, marker := filepath.Join(dir, "libs"), filepath.Join(dir, "complete")
	if _, err := os.Stat(marker); err == nil {
		return libs, nil
	}
	if err := RequireTools("mvn", "java"); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kafka cache: %w", err)
	}
	lock, err := waitLock(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return "", fmt.Errorf("kafka cache lock: %w", err)
	}
	defer lock.Close()
	if _, err := os.Stat(marker); err == nil {
		return libs, nil
	}
	logf("resolving Kafka %s jars with Maven into %s", version, libs)
	if err := mavenCopy(ctx, dir, version); err != nil {
		return "", err
	}
	return libs, os.WriteFile(marker, []byte(version+"\n"), 0o644)
}

// mavenCopy writes the pom and copies the runtime jars to dir/libs.
func mavenCopy(ctx context.Context, dir, version string) error {
	stale, _ := filepath.Glob(filepath.Join(dir, "libs.tmp-*"))
	for _, s := range stale {
		os.RemoveAll(s)
	}
	pom := filepath.Join(dir, "pom.xml")
	if err := os.WriteFile(pom, []byte(kafkaPom(version)), 0o644); err != nil {
		return fmt.Errorf("write pom: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, "libs.tmp-")
	if err != nil {
		return fmt.Errorf("kafka cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "mvn", "-B", "-q", "-f", pom,
		"dependency:copy-dependencies", "-DoutputDirectory="+tmp, "-DincludeScope=runtime")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("maven resolve of Kafka %s: %w\n%s", version, err, lines.Tail(out.String(), 30))
	}
	if got, err := LibsVersion(tmp); err != nil || got != version {
		return fmt.Errorf("maven resolve of Kafka %s: kafka_2.13-%s.jar missing", version, version)
	}
	libs := filepath.Join(dir, "libs")
	if err := os.RemoveAll(libs); err != nil {
		return fmt.Errorf("kafka cache: %w", err)
	}
	return os.Rename(tmp, libs)
}

func kafkaPom(version string) string {
	dep := func(g, a, v string) string {
		return fmt.Sprintf("    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n", g, a, v)
	}
	return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>chaosrun</groupId><artifactId>kafka-libs</artifactId><version>` + version + `</version>
  <dependencies>
` + dep("org.apache.kafka", "kafka_2.13", version) +
		dep("org.apache.kafka", "kafka-tools", version) +
		dep("org.apache.logging.log4j", "log4j-core", log4jVersion) +
		dep("org.apache.logging.log4j", "log4j-slf4j2-impl", log4jVersion) +
		dep("org.slf4j", "slf4j-api", slf4jVersion) +
		`  </dependencies>
</project>
`
}

// RequireTools fails naming what to install for each missing command.
func RequireTools(names ...string) error {
	hints := map[string]string{
		"java": "install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)",
		"mvn":  "install Maven (e.g. apt-get install maven) or set KAFKA_HOME to an unpacked Kafka distribution",
	}
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return fmt.Errorf("%s not found on PATH: %s", n, hints[n])
		}
	}
	return nil
}

// OrNop is logf, or a logger that drops everything when logf is nil.
func OrNop(logf func(string, ...any)) func(string, ...any) {
	if logf == nil {
		return func(string, ...any) {}
	}
	return logf
}

// CacheDir is where chaosrun keeps what it builds once: Kafka's jars and the
// compiled Java workload ($CHAOSRUN_CACHE, else the user's cache dir).
func CacheDir() (string, error) { return cacheRoot() }
