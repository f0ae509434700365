package scenarios

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/chaosrun/chaosrun/capacity"
	"github.com/chaosrun/chaosrun/runner"
)

// TestCapacityFindsAKnownCapacity runs the capacity search on real Kafka
// against a kitchen display whose capacity is known in advance (one member,
// one worker, 40 ms an event: 25 events/s) and wants it found within 10%,
// never above, with the consumer group named as the limit above it.
func TestCapacityFindsAKnownCapacity(t *testing.T) {
	const known = 25.0
	file := filepath.Join("..", "examples", "capacity", "known-capacity.yaml")
	p, err := capacity.NewPlan(file, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("a capacity search starts a real Kafka cluster; skipped under -short")
	}
	opts := runner.Options{Runtime: cmp.Or(os.Getenv("CHAOSRUN_RUNTIME"), runtimes.Auto), Logf: t.Logf}
	skipUnlessRunnable(t, p.Combinations[0].Scenario, opts)
	if os.Getenv("CHAOSRUN_SCENARIOS") == "runtime-faults" {
		t.Skip("CHAOSRUN_SCENARIOS=runtime-faults: the search uses no broker fault")
	}
	// Short probes: the known system's lag grows within seconds above 25/s.
	p.Shape = capacity.Shape{Warmup: 3 * time.Second, Window: 8 * time.Second, FaultWarmup: 3 * time.Second, MaxLag: 5 * time.Second}
	p.Search = capacity.Search{Start: 10, Min: 1, Max: 1000, Precision: 0.05, MaxProbes: 12}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rep, err := capacity.Execute(ctx, p, capacity.Options{Run: opts, Each: func(_ capacity.Combination, _ bool, pr capacity.ProbeResult) {
		t.Logf("probe %.1f/s: sustained %v (%s) in %.0fs", pr.TargetRate, pr.Sustained, pr.Detail, pr.Seconds)
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	t.Logf("found %.2f/s of a known %.0f/s (%.1f%% under) in %d probes, %.0fs; %s", r.MaxSustainableRate, known,
		100*(known-r.MaxSustainableRate)/known, len(r.Probes), r.Seconds, r.Ended)
	if r.MaxSustainableRate > known || r.MaxSustainableRate < 0.9*known {
		t.Errorf("found %.2f/s, want within 10%% under %.0f/s", r.MaxSustainableRate, known)
	}
	if r.Limit != capacity.LimitGroup {
		t.Errorf("limit above it: %q (%s), want %q", r.Limit, r.LimitDetail, capacity.LimitGroup)
	}
}
