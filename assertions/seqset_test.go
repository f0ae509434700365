package assertions

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSeqSetAdd(t *testing.T) {
	tests := []struct {
		name  string
		adds  []uint64
		spans []span // expected runs
	}{
		{"empty", nil, nil},
		{"in order", []uint64{0, 1, 2, 3}, []span{{0, 3}}},
		{"gap", []uint64{0, 1, 5, 6}, []span{{0, 1}, {5, 6}}},
		{"fill gap merges", []uint64{0, 1, 3, 4, 2}, []span{{0, 4}}},
		{"extend left run", []uint64{0, 5, 1}, []span{{0, 1}, {5, 5}}},
		{"extend right run", []uint64{0, 5, 4}, []span{{0, 0}, {4, 5}}},
		{"insert between", []uint64{0, 10, 5}, []span{{0, 0}, {5, 5}, {10, 10}}},
		{"insert before all", []uint64{10, 11, 3}, []span{{3, 3}, {10, 11}}},
		{"reverse", []uint64{4, 3, 2, 1, 0}, []span{{0, 4}}},
		{"duplicates ignored", []uint64{1, 1, 2, 1, 2}, []span{{1, 2}}},
		{"window reorder", []uint64{0, 2, 1, 4, 3, 6, 5, 7}, []span{{0, 7}}},
		{"across chunk border", []uint64{chunkSize - 1, chunkSize, chunkSize + 1}, []span{{chunkSize - 1, chunkSize + 1}}},
		{"far chunks", []uint64{3, 5 * chunkSize}, []span{{3, 3}, {5 * chunkSize, 5 * chunkSize}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s seqSet
			distinct := map[uint64]bool{}
			for _, v := range tt.adds {
				if got, want := s.add(v), !distinct[v]; got != want {
					t.Fatalf("add(%d) = %v, want %v", v, got, want)
				}
				distinct[v] = true
			}
			if got := collect(runsOf(&s)); !slices.Equal(got, tt.spans) {
				t.Errorf("runs = %v, want %v", got, tt.spans)
			}
			if s.count() != uint64(len(distinct)) {
				t.Errorf("count = %d, want %d", s.count(), len(distinct))
			}
			for v := range distinct {
				if !s.has(v) {
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
		var s seqSet
		ref := map[uint64]bool{}
		for i := uint64(0); i < 4*chunkSize; i++ {
			v := i + rng.Uint64N(window)
			if rng.IntN(3) == 0 {
				v = i // keep it dense enough to fill some chunks
			}
			if got := s.add(v); got == ref[v] {
				t.Fatalf("window %d: add(%d) = %v with v present=%v", window, v, got, ref[v])
			}
			ref[v] = true
		}
		if s.count() != uint64(len(ref)) {
			t.Fatalf("window %d: count %d, want %d", window, s.count(), len(ref))
		}
		for v := uint64(0); v < 5*chunkSize+window; v++ {
			if s.has(v) != ref[v] {
				t.Fatalf("window %d: has(%d) = %v, want %v", window, v, s.has(v), ref[v])
			}
		}
		if got, want := collect(runsOf(&s)), spansOf(ref); !slices.Equal(got, want) {
			t.Fatalf("window %d: runs differ from reference (%d vs %d runs)", window, len(got), len(want))
		}
	}
}

func TestChunkSwitchesToBitmapAndCompacts(t *testing.T) {
	var s seqSet
	// Every other seq: one run each, past maxChunkSpans the chunk turns bitmap.
	for v := uint64(0); v < chunkSize; v += 2 {
		s.add(v)
	}
	spans, bitmaps, _ := s.footprint()
	if bitmaps != 1 || spans != 0 {
		t.Fatalf("after alternating inserts: spans %d bitmaps %d, want 0 and 1", spans, bitmaps)
	}
	if got := collect(runsOf(&s)); len(got) != chunkSize/2 || got[1] != (span{2, 2}) {
		t.Fatalf("bitmap runs: %d runs starting %v", len(got), got[:2])
	}
	for v := uint64(1); v < chunkSize; v += 2 {
		s.add(v)
	}
	spans, bitmaps, bytes := s.footprint()
	if bitmaps != 0 || spans != 0 || bytes > 64 {
		t.Fatalf("full chunk keeps spans %d bitmaps %d bytes %d, want nothing", spans, bitmaps, bytes)
	}
	if !s.has(12345) || s.add(777) || s.count() != chunkSize {
		t.Fatalf("full chunk lost members")
	}
	if got := collect(runsOf(&s)); !slices.Equal(got, []span{{0, chunkSize - 1}}) {
		t.Fatalf("full chunk runs = %v", got)
	}
}

func TestSeqSetsByProducer(t *testing.T) {
	var ss seqSets
	if ss.get(3) != nil {
		t.Fatal("get on empty")
	}
	ss.at(3).add(7)
	if !ss.get(3).has(7) || ss.get(2) != nil || ss.get(2).has(7) {
		t.Fatal("producer 3's set not found alone")
	}
	if ss.at(maxProducers) != nil {
		t.Fatal("out-of-range producer got a set")
	}
}

// collect drains a runs into a slice.
func collect(r runs) []span {
	var out []span
	for sp, ok := r.next(); ok; sp, ok = r.next() {
		out = append(out, sp)
	}
	return out
}

// spansOf turns a reference set into its maximal runs.
func spansOf(ref map[uint64]bool) []span {
	var vs []uint64
	for v, in := range ref {
		if in {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	var out []span
	for _, v := range vs {
		if n := len(out); n > 0 && out[n-1].hi+1 == v {
			out[n-1].hi = v
			continue
		}
		out = append(out, span{v, v})
	}
	return out
}

// TestSeqSetPartitionByPartition is the worst order a drain can report: one
// whole partition after another, so every partition leaves a hole for each
// record of the others. The set must stay under a bit per sequence meanwhile
// and shrink to one run at the end.
func TestSeqSetPartitionByPartition(t *testing.T) {
	const n, parts = 1 << 20, 12
	var s seqSet
	for p := range uint64(parts) {
		for v := p; v < n; v += parts {
			s.add(v)
		}
		if _, _, bytes := s.footprint(); bytes > n/8+4096 {
			t.Fatalf("after partition %d the set holds %d bytes", p, bytes)
		}
	}
	if got := collect(runsOf(&s)); !slices.Equal(got, []span{{0, n - 1}}) || s.count() != n {
		t.Fatalf("runs = %v, count %d", got, s.count())
	}
	if spans, bitmaps, _ := s.footprint(); spans != 0 || bitmaps != 0 {
		t.Fatalf("complete set keeps %d runs and %d bitmaps", spans, bitmaps)
	}
}
