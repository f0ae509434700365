package kafkaimage

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuildContext(t *testing.T) {
	libs := t.TempDir()
	touch(t, filepath.Join(libs, "kafka_2.13-4.3.1.jar"))
	touch(t, filepath.Join(libs, "notes.txt"))
	var buf bytes.Buffer
	df := dockerfile("base:1", "4.3.1")
	if err := writeBuildContext(&buf, df, libs); err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(&buf)
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		names = append(names, h.Name)
	}
	if !slices.Equal(names, []string{"Dockerfile", "libs/kafka_2.13-4.3.1.jar"}) {
		t.Errorf("context holds %v", names)
	}
	for _, want := range []string{"FROM base:1\n", "COPY libs/ /opt/kafka/libs/\n", `LABEL chaosrun.kafka.version="4.3.1"`, "USER 1000:1000"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
	if err := writeBuildContext(&buf, df, t.TempDir()); err == nil {
		t.Error("empty libs dir accepted")
	}
}

func TestFollowStreamReportsDaemonErrors(t *testing.T) {
	ok := `{"stream":"Step 1/2 : FROM x\n"}` + "\n" + `{"stream":" ---> abc\n"}`
	var steps []string
	if err := followStream(strings.NewReader(ok), func(f string, a ...any) { steps = append(steps, f) }); err != nil || len(steps) != 1 {
		t.Errorf("err %v, steps %v", err, steps)
	}
	bad := `{"stream":"Step 1/2 : FROM x\n"}{"errorDetail":{"message":"no java"},"error":"no java"}`
	if err := followStream(strings.NewReader(bad), func(string, ...any) {}); err == nil || err.Error() != "no java" {
		t.Errorf("err = %v", err)
	}
}
