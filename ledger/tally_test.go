package ledger

import (
	"slices"
	"testing"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

func TestTallyFormatsRuns(t *testing.T) {
	var tl Tally
	tl.take(1, seqset.List(seqset.Span{Lo: 100, Hi: 134}, seqset.Span{Lo: 140, Hi: 140}), "")
	tl.take(2, seqset.List(seqset.Span{Lo: 0, Hi: 1}), " processed: never sent")
	want := []string{"p1/s100-s134", "p1/s140", "p2/s0-s1 processed: never sent"}
	if tl.N != 38 || !slices.Equal(tl.First, want) {
		t.Fatalf("tally = %d %q, want 38 %q", tl.N, tl.First, want)
	}
	for i := range 2 * MaxEvidence {
		tl.take(3, seqset.List(seqset.Span{Lo: uint64(2 * i), Hi: uint64(2 * i)}), "")
	}
	if len(tl.First) != MaxEvidence || tl.N != 38+2*MaxEvidence {
		t.Fatalf("tally kept %d ids and counted %d", len(tl.First), tl.N)
	}
}
