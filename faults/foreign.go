package faults

import (
	"context"
	"fmt"
	"regexp"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// ForeignConsumer deploys, for the fault's duration, a consumer of another
// environment: seed 001's pre kitchen display pointed at prod's topic and
// group, whose new version could not process prod's records. Guard gives it
// the fix's header guard: records of another environment are refused, not
// committed.
type ForeignConsumer struct {
	Env   string `yaml:"env"`
	Topic string `yaml:"topic"` // default: the scenario's topic (the misrouting)
	Group string `yaml:"group"` // default: the scenario's group
	Guard bool   `yaml:"guard"`
	stop  func()
}

var envName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

func (f *ForeignConsumer) Validate() problem.List {
	if !envName.MatchString(f.Env) {
		return problem.List{{Field: "env", Msg: fmt.Sprintf("want an environment name such as pre, got %q", f.Env)}}
	}
	return nil
}

func (*ForeignConsumer) targets() []string { return nil }

func (*ForeignConsumer) Acts() Kind { return KindConsumer }

// ForeignEnv is the environment it stands for; it must not be the scenario's.
func (f *ForeignConsumer) ForeignEnv() string { return f.Env }

func (f *ForeignConsumer) Inject(_ context.Context, env *Env, _ Target) (string, error) {
	if env.Deployments == nil {
		return "", fmt.Errorf("no deployments can be started here")
	}
	stop, err := env.Deployments.StartForeign(f.Env, f.Topic, f.Group, f.Guard)
	if err != nil {
		return "", err
	}
	f.stop = stop
	guard := ""
	if f.Guard {
		guard = ", with its header guard"
	}
	return fmt.Sprintf("a consumer of env %s%s", f.Env, guard), nil
}

func (f *ForeignConsumer) Heal(context.Context, *Env) error {
	if f.stop != nil {
		f.stop()
		f.stop = nil
	}
	return nil
}

// Renamed is a copy naming its topic and group through rename (a run on an
// external cluster uses names of its own).
func (f *ForeignConsumer) Renamed(rename func(string) string) Fault {
	cp := *f
	if cp.Topic != "" {
		cp.Topic = rename(cp.Topic)
	}
	if cp.Group != "" {
		cp.Group = rename(cp.Group)
	}
	cp.stop = nil
	return &cp
}

// Names are the topic and group it names itself (empty: the scenario's).
func (f *ForeignConsumer) Names() (topic, group string) { return f.Topic, f.Group }
