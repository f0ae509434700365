package harness

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// DefaultKafkaVersion is the one source of the pinned Kafka version: the
// scripts read it from kafkadist.go, and every version the README, the docs
// and the workflows name must be it.
func TestOneKafkaVersion(t *testing.T) {
	files := []string{"../README.md", "../scripts/test", "../scripts/docker-setup", "../.ci/run"}
	docs, _ := filepath.Glob("../docs/*.md")
	if len(docs) == 0 {
		t.Fatal("no docs/*.md: the reference the README links to is missing")
	}
	nested, _ := filepath.Glob("../docs/*/*.md")
	files = append(append(append(files, "../scenarios/incidents/README.md"), docs...), nested...)
	workflows, _ := filepath.Glob("../.github/workflows/*.yml")
	versions := regexp.MustCompile(`\b\d+\.\d+\.\d+\b`)
	loopback := regexp.MustCompile(`127\.0\.0\.1`)
	for _, f := range append(files, workflows...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range versions.FindAllString(loopback.ReplaceAllString(string(data), ""), -1) {
			if v != DefaultKafkaVersion {
				t.Errorf("%s names version %s; the pinned Kafka is %s (harness.DefaultKafkaVersion)", f, v, DefaultKafkaVersion)
			}
		}
	}
	src, err := os.ReadFile("kafkadist.go")
	if err != nil {
		t.Fatal(err)
	}
	// scripts/test reads the version with this pattern.
	if !regexp.MustCompile(`(?m)^const DefaultKafkaVersion = "` + regexp.QuoteMeta(DefaultKafkaVersion) + `"$`).Match(src) {
		t.Error(`kafkadist.go must keep the line const DefaultKafkaVersion = "X.Y.Z": scripts/test reads it`)
	}
}
