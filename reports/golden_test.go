package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/chaosrun/chaosrun/assertions"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (rerun with -update if intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestSummaryGolden(t *testing.T) {
	r := fixture()
	r.Path = "runs/consumer-crash/result.json"
	var buf bytes.Buffer
	if err := Summary(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.golden", buf.Bytes())
}

func TestSummaryUnmetGolden(t *testing.T) {
	r := fixture()
	r.Assertions[1] = assertions.Verdict{Name: "no-consumer-loss", Passed: true, Summary: "every acked record was processed", Enforced: true}
	r.Latency = nil
	r.Timeline = nil
	r.Lag = nil
	r.Judge()
	var buf bytes.Buffer
	if err := Summary(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary_unmet.golden", buf.Bytes())
}

func TestWriteJSONGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs", "consumer-crash", "result.json")
	if err := WriteJSON(path, fixture()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "result.golden.json", got)

	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only result.json (temp file left behind?)", len(entries))
	}
}
