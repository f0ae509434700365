package runner

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/kafkaimage"
	"github.com/chaosrun/chaosrun/spec"
)

// dockerRuntime is the one runtime whose fitness depends on an image.
const dockerRuntime = "docker"

// DefaultImage is the image the docker runtime uses unless told otherwise:
// CHAOSRUN_IMAGE, else the official image of the pinned Kafka version.
func DefaultImage() string {
	if img := os.Getenv("CHAOSRUN_IMAGE"); img != "" {
		return img
	}
	return "apache/kafka:" + harness.DefaultKafkaVersion
}

// Unfit says why scenario s cannot run on the named runtime, as a bad-input
// error at the field that demands more (its requires list, or a fault that
// needs an ability the runtime lacks); nil when it can.
func Unfit(s *spec.Scenario, runtime string) error {
	kind, ok := runtimes.Lookup(runtime)
	if !ok {
		return &spec.Errors{List: []*spec.Error{{Field: "--runtime",
			Msg: fmt.Sprintf("%q: want %s", runtime, runtimes.ChoicesText())}}}
	}
	if len(s.Requires) > 0 && !slices.Contains(s.Requires, runtime) {
		return s.ErrorAt("requires", fmt.Sprintf("the scenario runs only on %s, not on the %s runtime",
			strings.Join(s.Requires, " or "), runtime))
	}
	for _, f := range s.Faults {
		n, ok := f.Fault.(faults.Needer)
		if ok && !kind.Can(n.Needs()) {
			can := runtimes.With(n.Needs())
			return s.ErrorAt(f.Path+".type", fmt.Sprintf("%s needs a runtime that can %s (%s); the %s runtime cannot; run with --runtime %s",
				f.Type, n.Needs(), strings.Join(can, ", "), runtime, strings.Join(can, " or ")))
		}
	}
	return nil
}

// choice is the runtime a run uses, the docker image, and why, for the result.
type choice struct {
	kind  harness.RuntimeKind
	image string
	why   string
}

// ChooseRuntime says which runtime Run would use for s with opts, and why;
// the error says why none can (bad input when the one named does not fit).
func ChooseRuntime(ctx context.Context, s *spec.Scenario, opts Options) (name, why string, err error) {
	named := opts.Image != "" || os.Getenv("CHAOSRUN_IMAGE") != ""
	c, err := chooseRuntime(ctx, s, cmp.Or(opts.Runtime, runtimes.Auto), cmp.Or(opts.Image, DefaultImage()), named)
	return c.kind.Name, c.why, err
}

// chooseRuntime resolves the user's choice. A named runtime must fit the
// scenario (else bad input) and be usable here. Auto takes the first
// registered runtime that fits and is usable.
func chooseRuntime(ctx context.Context, s *spec.Scenario, want, image string, named bool) (choice, error) {
	if want != runtimes.Auto {
		if err := Unfit(s, want); err != nil {
			return choice{}, err
		}
		kind, _ := runtimes.Lookup(want)
		img, why, ok := usable(ctx, kind, image, named)
		if !ok {
			return choice{}, fmt.Errorf("%s runtime: %s", want, why)
		}
		return choice{kind: kind, image: img, why: "asked for " + want + "; " + why}, nil
	}
	var notes []string
	for _, kind := range runtimes.Kinds() {
		if err := Unfit(s, kind.Name); err != nil {
			notes = append(notes, kind.Name+" does not fit the scenario")
			continue
		}
		img, why, ok := usable(ctx, kind, image, named)
		if ok {
			return choice{kind: kind, image: img, why: "auto: " + strings.Join(append(notes, why), "; ")}, nil
		}
		notes = append(notes, kind.Name+" not usable ("+why+")")
	}
	return choice{}, fmt.Errorf("no runtime can run %s here: %s", s.Name, strings.Join(notes, "; "))
}

// usable asks the runtime whether it can start here. For docker, when the
// user named no image and the default one is neither present nor pullable,
// the offline image `chaosrun image build` makes is taken instead.
func usable(ctx context.Context, kind harness.RuntimeKind, image string, named bool) (img, why string, ok bool) {
	ok, why = kind.Usable(ctx, harness.RuntimeOptions{Image: image})
	offline := kafkaimage.Name(harness.DefaultKafkaVersion)
	if ok || kind.Name != dockerRuntime || named || offline == image {
		return image, why, ok
	}
	if ok, owhy := kind.Usable(ctx, harness.RuntimeOptions{Image: offline}); ok {
		return offline, owhy + " (" + image + " is not, so the offline image is used)", true
	}
	return image, why + "; nor is the offline image " + offline + " (build it with `chaosrun image build`)", false
}

// ActsOnBrokers reports whether a fault of s acts on a broker through its
// runtime; a scenario without one runs the same on every runtime.
func ActsOnBrokers(s *spec.Scenario) bool {
	for _, f := range s.Faults {
		if _, ok := f.Fault.(faults.Needer); ok {
			return true
		}
	}
	return false
}
