package assertions

import (
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// rel says when t was, relative to the ledger's start: t+12.3s.
func rel(start, t time.Time) string {
	return fmt.Sprintf("t%+.1fs", t.Sub(start).Seconds())
}

// dur prints a duration to the millisecond.
func dur(d time.Duration) string { return d.Round(time.Millisecond).String() }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// keep appends s when there is room.
func keep(list *[]string, s string) {
	if len(*list) < ledger.MaxEvidence {
		*list = append(*list, s)
	}
}

// capLines bounds a details list, saying how many lines were left off.
func capLines(lines []string) []string {
	if len(lines) <= ledger.MaxEvidence {
		return lines
	}
	more := len(lines) - ledger.MaxEvidence
	return append(lines[:ledger.MaxEvidence:ledger.MaxEvidence], fmt.Sprintf("... and %d more", more))
}
