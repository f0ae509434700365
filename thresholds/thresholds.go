// Package thresholds judges limits on the figures a run's result holds,
// such as "produce_ack.p99 < 500ms" or "lost_consumer == 0". A threshold is
// reported like an assertion, under its own text as the name.
package thresholds

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/result"
)

// Threshold is one parsed limit: Metric Op Limit.
type Threshold struct {
	Text   string  // normalised: "produce_ack.p99 < 500ms"
	Metric string  // a name in Metrics()
	Op     string  // <, <=, >, >=, ==, !=
	Limit  float64 // in the metric's unit: milliseconds for durations
	kind   kind
}

type kind int

const (
	count    kind = iota // a number of things, written as an integer
	duration             // a time, written with its unit (500ms, 5s); held in ms
)

// metric reads one figure from a result; ok is false with why when the run
// has no such figure (no fault to recover from, no database writes).
type metric struct {
	kind kind
	doc  string
	read func(r *result.Result) (v float64, ok bool, why string)
}

var ops = []string{"<=", ">=", "==", "!=", "<", ">"}

// compact is "metric<value" written without spaces.
var compact = regexp.MustCompile(`^\s*([^<>=!\s]+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$`)

// Parse reads "metric op value" (spaces around op optional). Bad input says
// what is wrong and what would be right.
func Parse(text string) (Threshold, error) {
	fields := strings.Fields(text)
	if m := compact.FindStringSubmatch(text); len(fields) != 3 && m != nil {
		fields = m[1:]
	}
	if len(fields) != 3 {
		return Threshold{}, fmt.Errorf("%q: want \"metric op value\", e.g. \"produce_ack.p99 < 500ms\"", text)
	}
	name, op, val := fields[0], fields[1], fields[2]
	m, ok := registry[name]
	if !ok {
		return Threshold{}, fmt.Errorf("unknown metric %q (known: %s)", name, strings.Join(Metrics(), ", "))
	}
	if !slices.Contains(ops, op) {
		return Threshold{}, fmt.Errorf("%q: unknown comparison %q (want one of %s)", text, op, strings.Join(ops, " "))
	}
	t := Threshold{Text: name + " " + op + " " + val, Metric: name, Op: op, kind: m.kind}
	switch m.kind {
	case duration:
		d, err := time.ParseDuration(val)
		if err != nil || d < 0 {
			return Threshold{}, fmt.Errorf("%q: %s is a duration: write its unit, e.g. 500ms or 5s, not %q", text, name, val)
		}
		t.Limit = float64(d) / float64(time.Millisecond)
	case count:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || n < 0 {
			return Threshold{}, fmt.Errorf("%q: %s is a count: write a whole number, not %q", text, name, val)
		}
		t.Limit = float64(n)
	}
	return t, nil
}

// Metrics lists the metric names, sorted.
func Metrics() []string {
	out := make([]string, 0, len(registry))
	for name := range registry {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Doc describes a metric, for the README's table.
func Doc(name string) string { return registry[name].doc }

// Judge evaluates t against r. A figure the run does not have fails: a
// threshold that could not be checked proves nothing.
func (t Threshold) Judge(r *result.Result) assertions.Verdict {
	v := assertions.Verdict{Name: t.Text, Enforced: true}
	got, ok, why := registry[t.Metric].read(r)
	if !ok {
		v.Count = 1
		v.Summary = fmt.Sprintf("%s: no such figure in this run (%s)", t.Metric, why)
		return v
	}
	v.Passed = compare(got, t.Op, t.Limit)
	if !v.Passed {
		v.Count = 1
	}
	v.Summary = fmt.Sprintf("%s = %s (limit %s %s)", t.Metric, t.format(got), t.Op, t.format(t.Limit))
	return v
}

func (t Threshold) format(v float64) string {
	if math.IsInf(v, 1) {
		return "never (within the run)"
	}
	if t.kind == duration {
		return (time.Duration(v * float64(time.Millisecond))).Round(100 * time.Microsecond).String()
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func compare(got float64, op string, limit float64) bool {
	switch op {
	case "<":
		return got < limit
	case "<=":
		return got <= limit
	case ">":
		return got > limit
	case ">=":
		return got >= limit
	case "==":
		return got == limit
	case "!=":
		return got != limit
	}
	return false
}

// JudgeAll evaluates every threshold, in order.
func JudgeAll(r *result.Result, ts []Threshold) []assertions.Verdict {
	out := make([]assertions.Verdict, len(ts))
	for i, t := range ts {
		out[i] = t.Judge(r)
	}
	return out
}

// IsBarePercentile says whether text names a latency without its histogram
// ("p99<500ms", "max < 2s"), as a capacity SLO may.
func IsBarePercentile(text string) bool {
	name := strings.Fields(text + " ")[0]
	if m := compact.FindStringSubmatch(text); m != nil {
		name = m[1]
	}
	_, ok := registry["e2e_intended."+name]
	return ok
}
