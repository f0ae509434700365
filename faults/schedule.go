package faults

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Planned is one fault on the schedule.
type Planned struct {
	Type     string
	Fault    Fault
	Target   Target
	At       time.Duration // after the workload starts
	Duration time.Duration // until heal; 0 for momentary faults
}

// Happening is one line of the run's timeline: what was actually done, when.
type Happening struct {
	At     time.Time // when the action began
	Fault  string
	Action string // "inject" or "heal"
	Target string
	Detail string
	Err    string
}

// Schedule injects and heals planned faults at their times and keeps the timeline.
type Schedule struct {
	env   *Env
	plans []Planned

	mu       sync.Mutex
	timeline []Happening
	open     map[int]string // injected, not yet healed: plan index → what it hit
	wg       sync.WaitGroup

	watch Watcher
	dist  map[int]int    // plan index → the watcher's disturbance
	hits  map[int]string // plan index → what it hit, for the watcher
}

// Watcher hears of each fault from its injection to its heal, so recovery
// can be measured from it; ledger.Ledger is one.
type Watcher interface {
	// Disturbed is called as the injection begins (what is the fault's
	// type), DisturbanceEnded when it is over, with what it hit.
	Disturbed(what string, from time.Time) int
	DisturbanceEnded(i int, what string, to time.Time)
}

// Watch makes w hear of every fault; call it before Start.
func (s *Schedule) Watch(w Watcher) { s.watch = w }

func (s *Schedule) disturbed(i int, what string, from time.Time) {
	if s.watch == nil {
		return
	}
	d := s.watch.Disturbed(what, from)
	s.mu.Lock()
	s.dist[i] = d
	s.mu.Unlock()
}

// ended tells the watcher plan i is over (healed, or done at once).
func (s *Schedule) ended(i int) {
	s.mu.Lock()
	d, ok := s.dist[i]
	what := s.hits[i]
	delete(s.dist, i)
	s.mu.Unlock()
	if ok {
		s.watch.DisturbanceEnded(d, what, time.Now())
	}
}

// NewSchedule prepares plans against env. Random targets are drawn here, in
// plan order, so they repeat with the seed however the goroutines interleave.
func NewSchedule(env *Env, plans []Planned) *Schedule {
	plans = slices.Clone(plans)
	for i := range plans {
		if t := &plans[i].Target; t.Random && env.Rand != nil {
			ids := env.Brokers.NodeIDs()
			*t = Target{Node: ids[env.Rand.IntN(len(ids))]}
		}
	}
	return &Schedule{env: env, plans: plans, open: map[int]string{}, dist: map[int]int{}, hits: map[int]string{}}
}

// Start runs every plan relative to start, each in its own goroutine, until
// its heal or until ctx is done (then HealAll cleans up).
func (s *Schedule) Start(ctx context.Context, start time.Time) {
	for i := range s.plans {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.run(ctx, start, i)
		}()
	}
}

// Wait blocks until every plan has run (or was cut short by its context).
func (s *Schedule) Wait() { s.wg.Wait() }

func (s *Schedule) run(ctx context.Context, start time.Time, i int) {
	p := s.plans[i]
	if !sleepUntil(ctx, start.Add(p.At)) {
		return
	}
	began := time.Now()
	// Before the injection: the lag level before it must not depend on how
	// long injecting takes (a rolling restart takes its whole course).
	s.disturbed(i, p.Type, began)
	// ctx only decides whether to wait for the next action; an action under
	// way (a restart waiting for its broker) finishes within its own limits.
	hit, err := p.Fault.Inject(context.WithoutCancel(ctx), s.env, p.Target)
	s.record(began, p.Type, "inject", hit, err)
	s.mu.Lock()
	s.hits[i] = strings.TrimSpace(p.Type + " " + hit)
	s.mu.Unlock()
	if IsMomentary(p.Fault) {
		s.ended(i)
		return
	}
	// Open even when the inject failed part way: heal undoes what it did.
	s.mu.Lock()
	s.open[i] = hit
	s.mu.Unlock()
	if err != nil {
		return
	}
	if !sleepUntil(ctx, start.Add(p.At+p.Duration)) {
		return
	}
	s.heal(context.WithoutCancel(ctx), i, "")
}

func (s *Schedule) heal(ctx context.Context, i int, why string) {
	s.mu.Lock()
	hit, ok := s.open[i]
	delete(s.open, i)
	s.mu.Unlock()
	if !ok {
		return
	}
	began := time.Now()
	err := s.plans[i].Fault.Heal(ctx, s.env)
	s.record(began, s.plans[i].Type, "heal", hit+why, err)
	s.ended(i)
}

// HealAll heals every fault still in effect: before the final drain, the
// cluster must be whole again.
func (s *Schedule) HealAll(ctx context.Context) {
	s.Wait()
	s.mu.Lock()
	var idx []int
	for i := range s.open {
		idx = append(idx, i)
	}
	s.mu.Unlock()
	for _, i := range idx {
		s.heal(ctx, i, " (end of run)")
	}
}

// Timeline returns what happened, in the order the actions began.
func (s *Schedule) Timeline() []Happening {
	s.mu.Lock()
	out := slices.Clone(s.timeline)
	s.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Happening) int { return a.At.Compare(b.At) })
	return out
}

// record notes an action at the time it began; slow actions (a broker that
// takes seconds to come back) say how long they took.
func (s *Schedule) record(began time.Time, fault, action, hit string, err error) {
	h := Happening{At: began, Fault: fault, Action: action, Target: hit}
	if took := time.Since(began); took >= 100*time.Millisecond {
		h.Detail = "took " + took.Round(10*time.Millisecond).String()
	}
	if err != nil {
		h.Err = err.Error()
	}
	s.mu.Lock()
	s.timeline = append(s.timeline, h)
	s.mu.Unlock()
}

// Errors lists the timeline's failed actions.
func (s *Schedule) Errors() []string {
	var out []string
	for _, h := range s.Timeline() {
		if h.Err != "" {
			out = append(out, fmt.Sprintf("%s %s %s: %s", h.Action, h.Fault, h.Target, h.Err))
		}
	}
	return out
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// Active lists the faults injected and not yet healed, as "type: what it hit".
func (s *Schedule) Active() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.open))
	for i, hit := range s.open {
		out = append(out, s.plans[i].Type+": "+hit)
	}
	slices.Sort(out)
	return out
}
