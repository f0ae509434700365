package ledger

import (
	"fmt"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

// strayCause says why a processed or drained record is not one of this run's.
// Failed and never-sent sequences of this run are found later, by Verify.
type strayCause uint8

const (
	belongs strayCause = iota
	otherRun
	otherEnv
	badID // producer or seq beyond anything a producer sends
)

func (l *Ledger) stranger(e *Event) strayCause {
	switch {
	case e.Run != l.run:
		return otherRun
	case e.Env != l.env:
		return otherEnv
	case e.Producer >= seqset.MaxProducers || e.Seq >= seqset.MaxSeq:
		return badID
	}
	return belongs
}

// strays counts the records seen that were not this run's, by cause.
type strays struct {
	otherRun, otherEnv, badID, foreign int64
	first                              []string
}

func (s *strays) total() int64 { return s.otherRun + s.otherEnv + s.badID + s.foreign }

// note counts e; seen says where it was ("processed from", "in log at").
func (s *strays) note(seen string, e *Event, c strayCause) {
	var why string
	switch c {
	case otherRun:
		s.otherRun++
		if room(s.first) {
			why = fmt.Sprintf("run %q is another run", e.Run)
		}
	case otherEnv:
		s.otherEnv++
		if room(s.first) {
			why = fmt.Sprintf("env %q is another env", e.Env)
		}
	case badID:
		s.badID++
		why = "id out of range, never sent"
	}
	if room(s.first) {
		s.first = append(s.first, fmt.Sprintf("%s %s partition %d offset %d: %s",
			idString(e.Producer, e.Seq), seen, e.Partition, e.Offset, why))
	}
}

// noteForeign counts a drained record without a readable identity.
func (s *strays) noteForeign(partition int32, offset int64, why string) {
	s.foreign++
	if room(s.first) {
		s.first = append(s.first, fmt.Sprintf("record in log at partition %d offset %d: foreign (%s)", partition, offset, why))
	}
}
