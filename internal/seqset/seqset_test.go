package seqset

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSeqSetAdd(t *testing.T) {
	tests := []struct {
		name  string
		adds  []uint64
		spans []Span // expected Runs
	}{
		{"empty", nil, nil},
		{"in order", []uint64{0, 1, 2, 3}, []Span{{0, 3}}},
		{"gap", []uint64{0, 1, 5, 6}, []Span{{0, 1}, {5, 6}}},
		{"fill gap merges", []uint64{0, 1, 3, 4, 2}, []Span{{0, 4}}},
		{"extend left run", []uint64{0, 5, 1}, []Span{{0, 1}, {5, 5}}},
		{"extend right run", []uint64{0, 5, 4}, []Span{{0, 0}, {4, 5}}},
		{"insert between", []uint64{0, 10, 5}, []Span{{0, 0}, {5, 5}, {10, 10}}},
		{"insert before all", []uint64{10, 11, 3}, []Span{{3, 3}, {10, 11}}},
		{"reverse", []uint64{4, 3, 2, 1, 0}, []Span{{0, 4}}},
		{"duplicates ignored", []uint64{1, 1, 2, 1, 2}, []Span{{1, 2}}},
		{"window reorder", []uint64{0, 2, 1, 4, 3, 6, 5, 7}, []Span{{0, 7}}},
		{"across chunk border", []uint64{chunkSize - 1, chunkSize, chunkSize + 1}, []Span{{chunkSize - 1, chunkSize + 1}}},
		{"far chunks", []uint64{3, 5 * chunkSize}, []Span{{3, 3}, {5 * chunkSize, 5 * chunkSize}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			distinct := map[uint64]bool{}
			for _, v := range tt.adds {
				if got, want := s.Add(v), !distinct[v]; got != want {
					t.Fatalf("add(%d) = %v, want %v", v, got, want)
				}
				distinct[v] = true
			}
			if got := collect(RunsOf(&s)); !slices.Equal(got, tt.spans) {
				t.Errorf("runs = %v, want %v", got, tt.spans)
			}
			if s.Count() != uint64(len(distinct)) {
				t.Errorf("count = %d, want %d", s.Count(), len(distinct))
			}
			for v := range distinct {
				if !s.Has(v) {
					t.Errorf("has(%d) = false", v)
				}
			}
		})
	}
}

// TestSeqSetMatchesMap checks random inserts (in order, reordered within a
// window, and scattered) against a map, through every chunk representation.
func TestSeqSetMatchesMap(t *testing.T) {
	for _, window := range []uint64{1, 64, 5000, 3 * chunkSize} {
		rng := rand.New(rand.NewPCG(1, window))
		var s Set
		ref := map[uint64]bool{}
		for i := uint64(0); i < 4*chunkSize; i++ {
			v := i + rng.Uint64N(window)
			if rng.IntN(3) == 0 {
				v = i // keep it dense enough to fill some chunks
			}
			if got := s.Add(v); got == ref[v] {
				t.Fatalf("window %d: add(%d) = %v with v present=%v", window, v, got, ref[v])
			}
			ref[v] = true
		}
		if s.Count() != uint64(len(ref)) {
			t.Fatalf("window %d: count %d, want %d", window, s.Count(), len(ref))
		}
		for v := uint64(0); v < 5*chunkSize+window; v++ {
			if s.Has(v) != ref[v] {
				t.Fatalf("window %d: has(%d) = %v, want %v", window, v, s.Has(v), ref[v])
			}
		}
		if got, want := collect(RunsOf(&s)), spansOf(ref); !slices.Equal(got, want) {
			t.Fatalf("window %d: runs differ from reference (%d vs %d Runs)", window, len(got), len(want))
		}
	}
}

func TestChunkSwitchesToBitmapAndCompacts(t *testing.T) {
	var s Set
	// Every other seq: one run each, past maxChunkSpans the chunk turns bitmap.
	for v := uint64(0); v < chunkSize; v += 2 {
		s.Add(v)
	}
	spans, bitmaps, _ := s.Footprint()
	if bitmaps != 1 || spans != 0 {
		t.Fatalf("after alternating inserts: spans %d bitmaps %d, want 0 and 1", spans, bitmaps)
	}
	if got := collect(RunsOf(&s)); len(got) != chunkSize/2 || got[1] != (Span{2, 2}) {
		t.Fatalf("bitmap Runs: %d runs starting %v", len(got), got[:2])
	}
	for v := uint64(1); v < chunkSize; v += 2 {
		s.Add(v)
	}
	spans, bitmaps, bytes := s.Footprint()
	if bitmaps != 0 || spans != 0 || bytes > 64 {
		t.Fatalf("full chunk keeps spans %d bitmaps %d bytes %d, want nothing", spans, bitmaps, bytes)
	}
	if !s.Has(12345) || s.Add(777) || s.Count() != chunkSize {
		t.Fatalf("full chunk lost members")
	}
	if got := collect(RunsOf(&s)); !slices.Equal(got, []Span{{0, chunkSize - 1}}) {
		t.Fatalf("full chunk runs = %v", got)
	}
}

func TestSeqSetsByProducer(t *testing.T) {
	var ss Sets
	if ss.Get(3) != nil {
		t.Fatal("get on empty")
	}
	ss.At(3).Add(7)
	if !ss.Get(3).Has(7) || ss.Get(2) != nil || ss.Get(2).Has(7) {
		t.Fatal("producer 3's set not found alone")
	}
	if ss.At(MaxProducers) != nil {
		t.Fatal("out-of-range producer got a set")
	}
}

// collect drains a runs into a slice.
func collect(r Runs) []Span {
	var out []Span
	for sp, ok := r.Next(); ok; sp, ok = r.Next() {
		out = append(out, sp)
	}
	return out
}

// spansOf turns a reference set into its maximal Runs.
func spansOf(ref map[uint64]bool) []Span {
	var vs []uint64
	for v, in := range ref {
		if in {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	var out []Span
	for _, v := range vs {
		if n := len(out); n > 0 && out[n-1].Hi+1 == v {
			out[n-1].Hi = v
			continue
		}
		out = append(out, Span{v, v})
	}
	return out
}

// TestSeqSetPartitionByPartition is the worst order a drain can report: one
// whole partition after another, so every partition leaves a hole for each
// record of the others. The set must stay under a bit per sequence meanwhile
// and shrink to one run at the end.
func TestSeqSetPartitionByPartition(t *testing.T) {
	const n, parts = 1 << 20, 12
	var s Set
	for p := range uint64(parts) {
		for v := p; v < n; v += parts {
			s.Add(v)
		}
		if _, _, bytes := s.Footprint(); bytes > n/8+4096 {
			t.Fatalf("after partition %d the set holds %d bytes", p, bytes)
		}
	}
	if got := collect(RunsOf(&s)); !slices.Equal(got, []Span{{0, n - 1}}) || s.Count() != n {
		t.Fatalf("runs = %v, count %d", got, s.Count())
	}
	if spans, bitmaps, _ := s.Footprint(); spans != 0 || bitmaps != 0 {
		t.Fatalf("complete set keeps %d runs and %d bitmaps", spans, bitmaps)
	}
}
