package clientconf

import (
	"errors"
	"testing"
	"time"
)

func TestErrorTallyKeepsFirstAndLastSighting(t *testing.T) {
	tally := NewErrorTally()
	tally.Add(errors.New("sink: connection refused"))
	time.Sleep(2 * time.Millisecond)
	tally.Add(errors.New("commit: fenced"))
	time.Sleep(2 * time.Millisecond)
	tally.Add(errors.New("sink: connection refused"))
	got := tally.List()
	if len(got) != 2 || got[0].Error != "sink: connection refused" || got[1].Error != "commit: fenced" {
		t.Fatalf("want both errors, first seen first: %+v", got)
	}
	if got[0].Count != 2 || !got[0].Last.After(got[1].First) || !got[0].First.Before(got[1].First) {
		t.Errorf("sink error: want count 2, first before and last after the commit error: %+v", got)
	}
	if n := tally.Snapshot()["commit: fenced"]; n != 1 {
		t.Errorf("snapshot count %d, want 1", n)
	}
}
