package ledger

import (
	"fmt"
	"sort"

	"github.com/chaosrun/chaosrun/internal/seqset"
)

// Records consumed by a deployment of another environment (seed 001's pre
// consumer configured with prod's topic and group): what it took and never
// handed back is consumer-level loss, attributed to that environment.

// foreignSide is what other environments' consumers took; under consMu.
type foreignSide struct {
	taken   map[string]seqset.Sets // by env, by producer
	refused map[string]int64       // by env: records a guard refused, uncommitted
}

// TakenBy records that a consumer of env consumed e and committed past it
// without processing it for this run's environment.
func (l *Ledger) TakenBy(env string, e *Event) {
	l.consMu.Lock()
	defer l.consMu.Unlock()
	f := &l.cons.foreign
	if e.Run != l.run || e.Producer >= seqset.MaxProducers || e.Seq >= seqset.MaxSeq {
		return
	}
	if f.taken == nil {
		f.taken = map[string]seqset.Sets{}
	}
	sets := f.taken[env]
	sets.At(uint64(e.Producer)).Add(e.Seq)
	f.taken[env] = sets
}

// RefusedBy records that a consumer of env refused e, of another
// environment, without committing it (its header guard).
func (l *Ledger) RefusedBy(env string, e *Event) {
	l.consMu.Lock()
	defer l.consMu.Unlock()
	f := &l.cons.foreign
	if f.refused == nil {
		f.refused = map[string]int64{}
	}
	f.refused[env]++
}

// envs lists the environments that took records, sorted.
func (f *foreignSide) envs() []string {
	var out []string
	for env := range f.taken {
		out = append(out, env)
	}
	sort.Strings(out)
	return out
}

// takenBy is producer i's records taken by a consumer of env (nil: none).
func (f *foreignSide) takenBy(env string, i int) *seqset.Set { return f.taken[env].Get(i) }

func (f *foreignSide) details(lost map[string]int64) []string {
	var lines []string
	for _, env := range f.envs() {
		var took uint64
		for _, s := range f.taken[env] {
			if s != nil {
				took += s.Count()
			}
		}
		lines = append(lines, fmt.Sprintf("a consumer of env %s took %d records of this run and committed past them; %d of them were never processed here: consumer-level loss in env %s's deployment (its topic or group is this environment's)",
			env, took, lost[env], env))
	}
	for env, n := range f.refused {
		lines = append(lines, fmt.Sprintf("a consumer of env %s refused %d records of this environment without committing them (its header guard)", env, n))
	}
	sort.Strings(lines[len(f.taken):])
	return lines
}
