package load

import (
	"fmt"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Flood is Records as fast as the producers can send (seed 001's
// promotion job).
var Flood Kind = flood{}

// maxFlood bounds a flood: far beyond what a run on one machine sends.
const maxFlood = 1e9

type flood struct{}

func (flood) Name() string { return "flood" }
func (flood) Timed() bool  { return false }

func (flood) Takes(field string) bool { return field == "records" }

func (flood) describe(p Phase) string { return fmt.Sprintf("flood %d records", p.Records) }

func (flood) check(p Phase) problem.List {
	if p.Records <= 0 || p.Records > maxFlood {
		return atType(fmt.Sprintf("a flood needs a positive number of records, at most %d", int64(maxFlood)))
	}
	return nil
}

// due: all at once; the job hands them over together.
func (flood) due(s slot, k int64) (float64, bool) { return 0, k < s.quota }
