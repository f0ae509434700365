package reports

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/result"
)

// hgrmTicks is the percentile resolution of the Java HistogramLogProcessor's
// default output, so files plot the same as Java's.
const hgrmTicks = 5

// WriteHgrm writes one <name>.hgrm percentile file per histogram into dir, in
// the text format HdrHistogram plotters read. Histograms hold microseconds;
// the files are in milliseconds. Nil histograms are skipped.
func WriteHgrm(dir string, hists map[string]*hdrhistogram.Histogram) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(hists)) {
		if hists[name] == nil {
			continue
		}
		if err := writeHgrmFile(dir, name, hists[name]); err != nil {
			return err
		}
	}
	return nil
}

// writeHgrmFile writes one histogram; the name must be a plain file name.
func writeHgrmFile(dir, name string, h *hdrhistogram.Histogram) error {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return fmt.Errorf("histogram name %q is not a file name", name)
	}
	f, err := os.Create(filepath.Join(dir, name+".hgrm"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if _, err := h.PercentilesPrint(w, hgrmTicks, result.MicrosPerMs); err != nil {
		f.Close()
		return fmt.Errorf("%s.hgrm: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeHgrmOf writes the percentile files from the histograms the result
// embeds, so they can be rendered again from result.json alone.
func writeHgrmOf(dir string, r *result.Result) error {
	hists := map[string]*hdrhistogram.Histogram{}
	for _, name := range slices.Sorted(maps.Keys(r.Latency)) {
		l := r.Latency[name]
		if l.HDR == "" {
			continue
		}
		h, err := hdrhistogram.Decode([]byte(l.HDR))
		if err != nil {
			return fmt.Errorf("decode histogram %s: %w", name, err)
		}
		hists[name] = h
	}
	if len(hists) == 0 {
		return nil
	}
	return WriteHgrm(dir, hists)
}
