package seqset

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSetAlgebra(t *testing.T) {
	a := []Span{{0, 9}, {20, 29}, {40, 40}}
	b := []Span{{5, 22}, {25, 25}, {40, 50}}
	tests := []struct {
		name string
		got  Runs
		want []Span
	}{
		{"minus", Minus(List(a...), List(b...)), []Span{{0, 4}, {23, 24}, {26, 29}}},
		{"minus nothing", Minus(List(a...), List()), a},
		{"minus from nothing", Minus(List(), List(b...)), nil},
		{"minus covering", Minus(List(Span{3, 4}), List(Span{0, 100})), nil},
		{"minus splits", Minus(List(Span{0, 10}), List(Span{3, 3}, Span{5, 6})), []Span{{0, 2}, {4, 4}, {7, 10}}},
		{"and", And(List(a...), List(b...)), []Span{{5, 9}, {20, 22}, {25, 25}, {40, 40}}},
		{"and disjoint", And(List(Span{0, 1}), List(Span{2, 3})), nil},
		{"and one side spans many", And(List(Span{0, 100}), List(Span{1, 2}, Span{50, 60})), []Span{{1, 2}, {50, 60}}},
		{"upTo", UpTo(List(a...), 25, true), []Span{{0, 9}, {20, 25}}},
		{"upTo unknown top", UpTo(List(a...), 25, false), nil},
		{"above", Above(List(a...), 25, true), []Span{{26, 29}, {40, 40}}},
		{"above unknown top", Above(List(a...), 0, false), a},
		{"above max", Above(List(Span{0, math.MaxUint64}), math.MaxUint64, true), nil},
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
	var a, b Set
	ra, rb := map[uint64]bool{}, map[uint64]bool{}
	for v := uint64(0); v < n; v++ {
		// a: dense with holes; b: runs of varying density per chunk.
		if rng.IntN(50) != 0 {
			a.Add(v)
			ra[v] = true
		}
		density := int(v/chunkSize) * 40 // 0%, 40%, 80%
		if rng.IntN(100) < density || (v/1000)%7 == 0 {
			b.Add(v)
			rb[v] = true
		}
	}
	diff, both := map[uint64]bool{}, map[uint64]bool{}
	for v := range ra {
		diff[v] = !rb[v]
		both[v] = rb[v]
	}
	if got, want := collect(Minus(RunsOf(&a), RunsOf(&b))), spansOf(diff); !slices.Equal(got, want) {
		t.Errorf("minus: %d Runs, want %d", len(got), len(want))
	}
	if got, want := collect(And(RunsOf(&a), RunsOf(&b))), spansOf(both); !slices.Equal(got, want) {
		t.Errorf("and: %d Runs, want %d", len(got), len(want))
	}
	if got := Total(Minus(RunsOf(&a), RunsOf(&b))) + Total(And(RunsOf(&a), RunsOf(&b))); got != a.Count() {
		t.Errorf("minus + and = %d values, want |a| = %d", got, a.Count())
	}
}

func TestRunsOfNilSet(t *testing.T) {
	if got := collect(RunsOf(nil)); got != nil {
		t.Fatalf("nil set yields %v", got)
	}
}
