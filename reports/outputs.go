package reports

import (
	"fmt"
	"os"

	"github.com/chaosrun/chaosrun/result"
)

// Output is one rendering of a stored result into the run's directory.
// Adding a report is one file holding its renderer, a function of the
// Result alone, plus one entry in Outputs.
type Output struct {
	Name  string // the file or files it writes, for messages
	Write func(dir string, r *result.Result) error
	// Record marks the stored result itself, which re-rendering leaves as it is.
	Record bool
}

// Outputs are written after every run, in this order; result.json first, so
// a later renderer's failure never costs the result itself.
var Outputs = []Output{
	{Name: "result.json", Record: true, Write: writeJSONOf},
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
