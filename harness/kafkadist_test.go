package harness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestKafkaLibsFromKafkaHome(t *testing.T) {
	home := t.TempDir()
	touch(t, filepath.Join(home, "libs", "kafka_2.13-3.9.1-test.jar"))
	touch(t, filepath.Join(home, "libs", "kafka_2.13-3.9.1.jar"))
	t.Setenv("KAFKA_HOME", home)
	libs, err := KafkaLibs(context.Background(), "4.3.1", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if libs != filepath.Join(home, "libs") {
		t.Errorf("libs = %s", libs)
	}
	if v, err := LibsVersion(libs); err != nil || v != "3.9.1" {
		t.Errorf("LibsVersion = %q, %v", v, err)
	}
}

func TestKafkaLibsBadKafkaHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("KAFKA_HOME", home)
	if _, err := KafkaLibs(context.Background(), "", nil); err == nil || !strings.Contains(err.Error(), "no libs directory") {
		t.Errorf("missing libs: err = %v", err)
	}
	touch(t, filepath.Join(home, "libs", "kafka-clients-4.3.1.jar"))
	if _, err := KafkaLibs(context.Background(), "", nil); err == nil || !strings.Contains(err.Error(), "kafka_2.13") {
		t.Errorf("no kafka jar: err = %v", err)
	}
}

func TestKafkaLibsReusesCompleteCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("KAFKA_HOME", "")
	t.Setenv("CHAOSRUN_CACHE", cache)
	t.Setenv("PATH", "") // a resolve would fail: no mvn
	dir := filepath.Join(cache, "kafka-9.9.9")
	touch(t, filepath.Join(dir, "libs", "kafka_2.13-9.9.9.jar"))
	touch(t, filepath.Join(dir, "complete"))
	libs, err := KafkaLibs(context.Background(), "9.9.9", nil)
	if err != nil || libs != filepath.Join(dir, "libs") {
		t.Fatalf("KafkaLibs = %q, %v", libs, err)
	}
}

func TestKafkaLibsNamesMissingTools(t *testing.T) {
	t.Setenv("KAFKA_HOME", "")
	t.Setenv("CHAOSRUN_CACHE", t.TempDir())
	t.Setenv("PATH", "")
	_, err := KafkaLibs(context.Background(), "", nil)
	if err == nil || !strings.Contains(err.Error(), "mvn not found") || !strings.Contains(err.Error(), "install Maven") {
		t.Errorf("err = %v, want it to name mvn and how to install it", err)
	}
	if _, err := KafkaLibs(context.Background(), "../x", nil); err == nil {
		t.Error("accepted a path as version")
	}
}

func TestKafkaPom(t *testing.T) {
	pom := kafkaPom("4.3.1")
	for _, want := range []string{
		"<artifactId>kafka_2.13</artifactId><version>4.3.1</version>",
		"<artifactId>kafka-tools</artifactId><version>4.3.1</version>",
		"<artifactId>slf4j-api</artifactId><version>" + slf4jVersion,
		"<artifactId>log4j-slf4j2-impl</artifactId>",
	} {
		if !strings.Contains(pom, want) {
			t.Errorf("pom lacks %s", want)
		}
	}
}
