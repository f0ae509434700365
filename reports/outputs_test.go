package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/result"
)

// Every output renders from the stored result alone: the .hgrm files come
// from the histograms result.json embeds, identical to the originals'.
func TestWriteAllRendersFromTheResult(t *testing.T) {
	h := msHistogram(t)
	res := fixture()
	res.Latency = map[string]result.Latency{"produce_ack": result.LatencyOf(h), "no_blob": {Count: 1}}
	dir := t.TempDir()
	if err := WriteAll(dir, res); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJSON(filepath.Join(dir, "result.json")); err != nil {
		t.Errorf("result.json: %v", err)
	}
	want := t.TempDir()
	if err := writeHgrmFile(want, "produce_ack", h); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "produce_ack.hgrm"))
	exp, _ := os.ReadFile(filepath.Join(want, "produce_ack.hgrm"))
	if err != nil || string(got) != string(exp) {
		t.Errorf("produce_ack.hgrm from the stored histogram differs (%v):\n%s\nwant\n%s", err, got, exp)
	}
	if _, err := os.Stat(filepath.Join(dir, "no_blob.hgrm")); !os.IsNotExist(err) {
		t.Errorf("a latency without its histogram was rendered: %v", err)
	}
}

func TestWriteAllNamesTheFailingOutput(t *testing.T) {
	res := fixture()
	res.Latency = map[string]result.Latency{"bad": {HDR: "not a histogram"}}
	err := WriteAll(t.TempDir(), res)
	if err == nil || !strings.Contains(err.Error(), "write <histogram>.hgrm: decode histogram bad") {
		t.Errorf("want the output and histogram named, got %v", err)
	}
}
