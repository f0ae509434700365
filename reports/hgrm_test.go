package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func TestWriteHgrm(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hgrm")
	hists := map[string]*hdrhistogram.Histogram{
		"produce_ack":   msHistogram(t),
		"e2e_from_sent": hdrhistogram.New(1, 60_000_000, 3), // empty
		"skipped":       nil,
	}
	if err := WriteHgrm(dir, hists); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"produce_ack", "e2e_from_sent"} {
		data, err := os.ReadFile(filepath.Join(dir, name+".hgrm"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "Percentile") {
			t.Errorf("%s.hgrm has no Percentile header:\n%s", name, data)
		}
	}
	// Scaled to milliseconds: the 1000 ms maximum prints as 1000, not 1e6.
	data, _ := os.ReadFile(filepath.Join(dir, "produce_ack.hgrm"))
	if !strings.Contains(string(data), "#[Max     =     1000.") {
		t.Errorf("produce_ack.hgrm not in milliseconds:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(dir, "skipped.hgrm")); !os.IsNotExist(err) {
		t.Errorf("nil histogram written: %v", err)
	}
}

func TestWriteHgrmRejectsPathNames(t *testing.T) {
	hists := map[string]*hdrhistogram.Histogram{"../escape": msHistogram(t)}
	if err := WriteHgrm(t.TempDir(), hists); err == nil {
		t.Error("WriteHgrm accepted a name with a path separator")
	}
}

// msHistogram records 1..1000 ms, once each, in microseconds.
func msHistogram(t *testing.T) *hdrhistogram.Histogram {
	t.Helper()
	h := hdrhistogram.New(1, 60_000_000, 3)
	for ms := int64(1); ms <= 1000; ms++ {
		if err := h.RecordValue(ms * 1000); err != nil {
			t.Fatal(err)
		}
	}
	return h
}
