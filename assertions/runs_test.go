package assertions

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// listRuns yields fixed spans, for tests.
type listRuns []span

func (l *listRuns) next() (span, bool) {
	if len(*l) == 0 {
		return span{}, false
	}
	sp := (*l)[0]
	*l = (*l)[1:]
	return sp, true
}

func list(spans ...span) runs { l := listRuns(spans); return &l }

func TestSetAlgebra(t *testing.T) {
	a := []span{{0, 9}, {20, 29}, {40, 40}}
	b := []span{{5, 22}, {25, 25}, {40, 50}}
	tests := []struct {
		name string
		got  runs
		want []span
	}{
		{"minus", minus(list(a...), list(b...)), []span{{0, 4}, {23, 24}, {26, 29}}},
		{"minus nothing", minus(list(a...), list()), a},
		{"minus from nothing", minus(list(), list(b...)), nil},
		{"minus covering", minus(list(span{3, 4}), list(span{0, 100})), nil},
		{"minus splits", minus(list(span{0, 10}), list(span{3, 3}, span{5, 6})), []span{{0, 2}, {4, 4}, {7, 10}}},
		{"and", and(list(a...), list(b...)), []span{{5, 9}, {20, 22}, {25, 25}, {40, 40}}},
		{"and disjoint", and(list(span{0, 1}), list(span{2, 3})), nil},
		{"and one side spans many", and(list(span{0, 100}), list(span{1, 2}, span{50, 60})), []span{{1, 2}, {50, 60}}},
		{"upTo", upTo(list(a...), 25, true), []span{{0, 9}, {20, 25}}},
		{"upTo unknown top", upTo(list(a...), 25, false), nil},
		{"above", above(list(a...), 25, true), []span{{26, 29}, {40, 40}}},
		{"above unknown top", above(list(a...), 0, false), a},
		{"above max", above(list(span{0, math.MaxUint64}), math.MaxUint64, true), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collect(tt.got); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSetAlgebraMatchesMaps checks minus/and over real sets (lists, bitmaps
// and full chunks mixed) against map arithmetic.
func TestSetAlgebraMatchesMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 3 * chunkSize
	var a, b seqSet
	ra, rb := map[uint64]bool{}, map[uint64]bool{}
	for v := uint64(0); v < n; v++ {
		// a: dense with holes; b: runs of varying density per chunk.
		if rng.IntN(50) != 0 {
			a.add(v)
			ra[v] = true
		}
		density := int(v/chunkSize) * 40 // 0%, 40%, 80%
		if rng.IntN(100) < density || (v/1000)%7 == 0 {
			b.add(v)
			rb[v] = true
		}
	}
	diff, both := map[uint64]bool{}, map[uint64]bool{}
	for v := range ra {
		diff[v] = !rb[v]
		both[v] = rb[v]
	}
	if got, want := collect(minus(runsOf(&a), runsOf(&b))), spansOf(diff); !slices.Equal(got, want) {
		t.Errorf("minus: %d runs, want %d", len(got), len(want))
	}
	if got, want := collect(and(runsOf(&a), runsOf(&b))), spansOf(both); !slices.Equal(got, want) {
		t.Errorf("and: %d runs, want %d", len(got), len(want))
	}
	if got := total(minus(runsOf(&a), runsOf(&b))) + total(and(runsOf(&a), runsOf(&b))); got != a.count() {
		t.Errorf("minus + and = %d values, want |a| = %d", got, a.count())
	}
}

func TestRunsOfNilSet(t *testing.T) {
	if got := collect(runsOf(nil)); got != nil {
		t.Fatalf("nil set yields %v", got)
	}
}

func TestTallyFormatsRuns(t *testing.T) {
	var tl tally
	tl.take(1, list(span{100, 134}, span{140, 140}), "")
	tl.take(2, list(span{0, 1}), " processed: never sent")
	want := []string{"p1/s100-s134", "p1/s140", "p2/s0-s1 processed: never sent"}
	if tl.n != 38 || !slices.Equal(tl.first, want) {
		t.Fatalf("tally = %d %q, want 38 %q", tl.n, tl.first, want)
	}
	for i := range 2 * MaxEvidence {
		tl.take(3, list(span{uint64(2 * i), uint64(2 * i)}), "")
	}
	if len(tl.first) != MaxEvidence || tl.n != 38+2*MaxEvidence {
		t.Fatalf("tally kept %d ids and counted %d", len(tl.first), tl.n)
	}
}
