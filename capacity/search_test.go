package capacity

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// known is a system whose capacity is known: a consumer group of members ×
// workers at a fixed cost per record holds any rate up to that.
func known(capacity float64) Probe {
	return func(_ context.Context, rate float64) (Outcome, error) {
		if rate <= capacity {
			return Outcome{Sustained: true}, nil
		}
		return Outcome{Limit: "consumer group"}, nil
	}
}

func TestSearchFindsAKnownCapacity(t *testing.T) {
	s := Search{Start: 100, Min: 1, Max: 1e6, Precision: 0.05, MaxProbes: 30}
	for _, capacity := range []float64{1.5, 37, 100, 999, 4000, 123456} {
		res, err := s.Run(context.Background(), known(capacity))
		if err != nil {
			t.Fatal(err)
		}
		if res.Sustainable > capacity || res.Sustainable < capacity*0.95 {
			t.Errorf("capacity %g: found %g (%s) after %d probes", capacity, res.Sustainable, res.Why, len(res.Probes))
		}
		if res.FirstFailed <= capacity {
			t.Errorf("capacity %g: claims %g failed", capacity, res.FirstFailed)
		}
		if len(res.Probes) > 20 {
			t.Errorf("capacity %g: %d probes", capacity, len(res.Probes))
		}
	}
}

// A noisy system near its limit (a probe at 97-100% of capacity may fail)
// still gives an answer that held and is near the limit: the search never
// settles above a rate that failed.
func TestSearchUnderNoiseNeverClaimsAFailedRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	capacity := 2000.0
	noisy := func(_ context.Context, rate float64) (Outcome, error) {
		if rate > capacity || (rate > 0.97*capacity && rng.Float64() < 0.5) {
			return Outcome{Limit: "producers"}, nil
		}
		return Outcome{Sustained: true}, nil
	}
	for range 20 {
		res, err := Search{Start: 100, Min: 10, Max: 1e5, Precision: 0.02, MaxProbes: 25}.Run(context.Background(), noisy)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sustainable > capacity || res.Sustainable < 0.9*capacity || res.Sustainable >= res.FirstFailed {
			t.Errorf("found %g, first failed %g: %s", res.Sustainable, res.FirstFailed, res.Why)
		}
	}
}

func TestSearchEndsAtItsBounds(t *testing.T) {
	s := Search{Start: 100, Min: 10, Max: 1000, Precision: 0.05, MaxProbes: 30}
	res, _ := s.Run(context.Background(), known(0.5))
	if res.Sustainable != 0 || !strings.Contains(res.Why, "not even the minimum rate 10/s") || res.Probes[len(res.Probes)-1].Rate != 10 {
		t.Errorf("below the minimum: %+v", res)
	}
	res, _ = s.Run(context.Background(), known(1e9))
	if res.Sustainable != 1000 || !math.IsInf(res.FirstFailed, 1) || !strings.Contains(res.Why, "above it") {
		t.Errorf("above the maximum: %+v", res)
	}
	s.MaxProbes = 4
	res, _ = s.Run(context.Background(), known(333))
	if len(res.Probes) != 4 || !strings.Contains(res.Why, "probe budget (4) spent") || res.Sustainable > 333 {
		t.Errorf("budget: %d probes, %s", len(res.Probes), res.Why)
	}
}

func TestSearchRefusesBadBoundsAndStopsOnProbeErrors(t *testing.T) {
	for _, s := range []Search{
		{Start: 100, Min: 0, Max: 10, Precision: 0.05, MaxProbes: 10},
		{Start: 100, Min: 1, Max: 10, Precision: 0.05, MaxProbes: 10},
		{Start: 5, Min: 1, Max: 10, Precision: 0, MaxProbes: 10},
		{Start: 5, Min: 1, Max: 10, Precision: 0.05, MaxProbes: 1},
	} {
		if _, err := s.Run(context.Background(), known(5)); !errors.Is(err, ErrBadSearch) {
			t.Errorf("%+v: %v", s, err)
		}
	}
	boom := errors.New("cluster gone")
	calls := 0
	_, err := Search{Start: 100, Min: 1, Max: 1e4, Precision: 0.05, MaxProbes: 10}.Run(context.Background(), func(context.Context, float64) (Outcome, error) {
		if calls++; calls == 3 {
			return Outcome{}, boom
		}
		return Outcome{Sustained: true}, nil
	})
	if !errors.Is(err, boom) || calls != 3 {
		t.Errorf("a probe error must end the search: %v after %d calls", err, calls)
	}
}

// A rate the user needs that falls inside the final bracket is probed.
func TestSearchSettlesTheMustRate(t *testing.T) {
	s := Search{Start: 100, Min: 1, Max: 1e6, Precision: 0.05, MaxProbes: 30, Must: 1010}
	res, err := s.Run(context.Background(), known(1020))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sustainable < 1010 {
		t.Errorf("1010 holds on a system of 1020, but the search ended at %g (%d probes)", res.Sustainable, len(res.Probes))
	}
	tried := false
	for _, p := range res.Probes {
		tried = tried || p.Rate == 1010
	}
	if !tried {
		t.Errorf("the must rate was not probed: %+v", res.Probes)
	}
}
