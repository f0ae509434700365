package runtimes

import (
	"errors"
	"slices"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/harness/docker"
	"github.com/chaosrun/chaosrun/harness/external"
	"github.com/chaosrun/chaosrun/harness/process"
	"github.com/chaosrun/chaosrun/internal/lines"
	"github.com/chaosrun/chaosrun/kitchendb"
)

// Auto picks the first usable runtime; it is a choice, not a runtime.
const Auto = "auto"

// kinds is the registry, in the order auto prefers them.
var kinds = []harness.RuntimeKind{
	docker.Kind,
	process.Kind,
	external.Kind,
}

// Kinds lists the runtimes that start clusters (the --runtime choices).
func Kinds() []harness.RuntimeKind {
	return slices.DeleteFunc(slices.Clone(kinds), func(k harness.RuntimeKind) bool { return k.Attached })
}

// Lookup finds a runtime that starts clusters by name.
func Lookup(name string) (harness.RuntimeKind, bool) {
	i := slices.IndexFunc(Kinds(), func(k harness.RuntimeKind) bool { return k.Name == name })
	if i < 0 {
		return harness.RuntimeKind{}, false
	}
	return Kinds()[i], true
}

// With names the runtimes that have ability a.
func With(a harness.Ability) []string {
	var out []string
	for _, k := range Kinds() {
		if k.Can(a) {
			out = append(out, k.Name)
		}
	}
	return out
}

// Choices is what a user may ask for: auto or a runtime's name.
func Choices() []string {
	out := []string{Auto}
	for _, k := range Kinds() {
		out = append(out, k.Name)
	}
	return out
}

// ValidChoice reports whether name is auto or a registered runtime.
func ValidChoice(name string) bool { return slices.Contains(Choices(), name) }

// ChoicesText is Choices for messages: "auto, docker or process".
func ChoicesText() string { return lines.OrList(Choices()) }

// CleanLeftovers removes what dead runs left: run dirs under root (empty
// means harness.DefaultRoot) and marked JVMs, then what each registered
// runtime's and kitchen database server's own cleanup finds (after the
// dirs: a dead run is then judged by its missing dir). It returns what it killed and removed.
func CleanLeftovers(root string, logf func(string, ...any)) ([]string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	removed, err := harness.CleanLeftovers(root, logf)
	errs := []error{err}
	cleans := []func(func(string, ...any)) ([]string, error){}
	for _, k := range kinds {
		if k.Clean != nil {
			cleans = append(cleans, k.Clean)
		}
	}
	// The kitchen database kinds' servers are theirs to clean too.
	for _, k := range kitchendb.SinkKinds() {
		if k.Server != nil && k.Server.Clean != nil {
			cleans = append(cleans, k.Server.Clean)
		}
	}
	for _, clean := range cleans {
		gone, err := clean(logf)
		removed, errs = append(removed, gone...), append(errs, err)
	}
	return removed, errors.Join(errs...)
}

// Options are harness.RuntimeOptions with this registry's cleanup, which
// every new run does first.
func Options(o harness.RuntimeOptions) harness.RuntimeOptions {
	o.Clean = CleanLeftovers
	return o
}
