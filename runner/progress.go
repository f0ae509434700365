package runner

import (
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"

	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/load"
)

// Progress is the run so far, told to Options.Progress every second while
// the workload runs and the group settles.
type Progress struct {
	Scenario, Group, Topic string
	Stage                  string        // "workload" or "settling"
	Elapsed                time.Duration // since the workload began
	Planned                time.Duration // the workload's timed phases (a flood takes what it takes)
	ledger.Live
	Faults []string // injected and not yet healed
	// Latency holds clones of the latency histograms so far (µs), only when
	// Options.ProgressLatency asks for them (live metrics).
	Latency map[string]*hdrhistogram.Histogram
}

// progressEvery is how often Options.Progress hears of the run.
const progressEvery = time.Second

// progressLoop tells opts.Progress of the run every second until the
// returned stop is called; active lists the faults in effect (nil: none).
func (r *run) progressLoop(led *ledger.Ledger, stage string, active func() []string) (stop func()) {
	if r.opts.Progress == nil && r.probe == nil {
		return func() {}
	}
	planned := load.Timed(r.s.Workload.Load())
	done := make(chan struct{})
	var wg sync.WaitGroup
	tell := func() {
		p := Progress{Scenario: r.s.Name, Group: r.s.Consumer.Group, Topic: r.s.Topic.Name,
			Stage: stage, Elapsed: time.Since(r.res.StartedAt), Planned: planned, Live: led.Live()}
		if r.opts.ProgressLatency {
			p.Latency = led.LiveLatency()
		}
		if active != nil {
			p.Faults = active()
		}
		if r.probe != nil {
			r.probe.hear(p)
		}
		if r.opts.Progress != nil {
			r.opts.Progress(p)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				tell()
			}
		}
	})
	return sync.OnceFunc(func() { close(done); wg.Wait() })
}
