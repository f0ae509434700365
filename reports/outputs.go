package reports

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/result"
)

// Output is one rendering of a stored result into the run's directory.
// Adding a report is its renderer, a function of the Result alone, plus one
// entry in Outputs.
type Output struct {
	Name  string // the file or files it writes, for messages
	Write func(dir string, r *result.Result) error
	// Record marks the stored result itself, which re-rendering leaves as it is.
	Record bool
}

// Outputs are written after every run, in this order; result.json first, so
// a later renderer's failure never costs the result itself.
var Outputs = []Output{
	{Name: "result.json", Record: true, Write: func(dir string, r *result.Result) error { return WriteJSON(filepath.Join(dir, "result.json"), r) }},
	{Name: "<histogram>.hgrm", Write: writeHgrmOf},
	{Name: "report.html", Write: writeHTMLOf},
}

// Rerender renders every output of a stored result again into dir, all
// but the record itself.
func Rerender(dir string, r *result.Result) error {
	for _, o := range Outputs {
		if o.Record {
			continue
		}
		if err := o.Write(dir, r); err != nil {
			return fmt.Errorf("write %s: %w", o.Name, err)
		}
	}
	return nil
}

// WriteAll renders every output of r into dir.
func WriteAll(dir string, r *result.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, o := range Outputs {
		if err := o.Write(dir, r); err != nil {
			return fmt.Errorf("write %s: %w", o.Name, err)
		}
	}
	return nil
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
