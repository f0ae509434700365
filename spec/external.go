package spec

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/chaosrun/chaosrun/harness/external"
	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/kafkaconn"
)

// External is an existing Kafka cluster to run on instead of one chaosrun
// starts: in a scenario under cluster.external, or in a file of its own
// (`--cluster FILE`) so the same scenarios run on a local cluster and on it.
type External struct {
	Bootstrap []string `yaml:"bootstrap"` // host:port of some brokers
	// Config holds the Java client's security settings (security.protocol,
	// sasl.mechanism, sasl.jaas.config, ssl.*); a value may be a Kafka
	// config-provider reference: ${env:NAME}, ${file:PATH:KEY}, ${dir:DIR:FILE}.
	Config Settings `yaml:"config"`
	Hooks  Hooks    `yaml:"hooks"`
	// Prefix starts the name of every topic and group a run creates (default
	// "chaosrun-"); a run id follows the scenario's own name.
	Prefix string `yaml:"prefix"`

	File      string `yaml:"-"` // where it was read; "" for --bootstrap
	pos       map[string]Pos
	validated bool
	base      string // path prefix of its fields in their file: "" or "cluster.external"
}

// Hooks are the commands that act on an external cluster's brokers.
type Hooks struct {
	Kill    string        `yaml:"kill"`
	Stop    string        `yaml:"stop"`
	Start   string        `yaml:"start"`
	Pause   string        `yaml:"pause"`
	Resume  string        `yaml:"resume"`
	Isolate string        `yaml:"isolate"`
	Rejoin  string        `yaml:"rejoin"`
	Timeout time.Duration `yaml:"timeout"` // per command; default 2m
}

// Harness is the hooks in the harness's form.
func (h Hooks) Harness() external.Hooks {
	return external.Hooks{Timeout: h.Timeout, Commands: map[external.HookAction]string{
		external.HookKill: h.Kill, external.HookStop: h.Stop, external.HookStart: h.Start,
		external.HookPause: h.Pause, external.HookResume: h.Resume,
		external.HookIsolate: h.Isolate, external.HookRejoin: h.Rejoin,
	}}
}

// DefaultPrefix starts the names of what a run creates on an external cluster.
const DefaultPrefix = "chaosrun-"

// LoadExternal reads a cluster file: the fields of cluster.external at its
// top level. Problems come back as *Errors at file, line and field.
func LoadExternal(path string) (*External, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Errors{List: []*Error{{File: path, Msg: err.Error()}}}
	}
	errs := &Errors{}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		errs.add(syntaxError(path, data, err))
		return nil, errs
	}
	if len(doc.Content) == 0 {
		return nil, &Errors{List: []*Error{{File: path, Msg: "empty file"}}}
	}
	e := &External{File: path, pos: map[string]Pos{"": {doc.Content[0].Line, doc.Content[0].Column}}}
	d := &decoder{file: path, errs: errs, pos: e.pos}
	d.structure(doc.Content[0], reflect.ValueOf(e).Elem(), "", nil)
	if len(errs.List) > 0 {
		return nil, errs
	}
	e.validate(errs, os.LookupEnv)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	return e, nil
}

// BootstrapExternal is an external cluster given only by its addresses
// (`--bootstrap`): plaintext, no hooks.
func BootstrapExternal(list string) (*External, error) {
	e := &External{pos: map[string]Pos{}}
	for _, a := range strings.Split(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			e.Bootstrap = append(e.Bootstrap, a)
		}
	}
	errs := &Errors{}
	e.validate(errs, os.LookupEnv)
	for _, er := range errs.List {
		er.Field = "--bootstrap"
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	return e, nil
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)

// validate checks the fields and maps the security settings; env resolves
// ${env:...} references.
func (e *External) validate(errs *Errors, env func(string) (string, bool)) {
	at := func(path, format string, args ...any) {
		full := path
		if e.base != "" {
			full = e.base + "." + path
		}
		p := nearestIn(e.pos, path)
		errs.add(&Error{File: e.File, Line: p.Line, Column: p.Column, Field: full, Msg: fmt.Sprintf(format, args...)})
	}
	if len(e.Bootstrap) == 0 {
		at("bootstrap", "want the host:port of at least one broker")
	}
	for i, a := range e.Bootstrap {
		host, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			at(fmt.Sprintf("bootstrap[%d]", i), "%q: want host:port", a)
		}
	}
	if _, set := e.pos["prefix"]; !set && e.Prefix == "" {
		e.Prefix = DefaultPrefix
	}
	if !prefixPattern.MatchString(e.Prefix) || len(e.Prefix) > 60 {
		at("prefix", "%q: use at most 60 letters, digits, '.', '_' or '-' (it starts topic and group names)", e.Prefix)
	}
	_, serrs := kafkaconn.ParseSecurity(e.Config.Map(), env)
	for _, se := range serrs {
		at(problem.Join("config", se.Field), "%s", se.Msg)
	}
	for _, p := range e.Hooks.Harness().Check() {
		at(problem.Join("hooks", p.Field), "%s", p.Msg)
	}
	if _, set := e.pos["hooks.timeout"]; (set && e.Hooks.Timeout <= 0) || e.Hooks.Timeout < 0 {
		at("hooks.timeout", "want a positive duration")
	}
	e.validated = true
}

// ClientSecurity maps Config for the clients, resolving its config-provider
// references now: validation only checks them, so a secret is read when a
// run needs it. An error means a reference resolved at validation no longer
// does.
func (e *External) ClientSecurity() (kafkaconn.Security, error) {
	sec, probs := kafkaconn.ParseSecurity(e.Config.Map(), os.LookupEnv)
	return sec, probs.Err()
}

// Validate checks an External built in Go, as a cluster file is checked.
// One read from a file or scenario was
// checked already; checking it again changes nothing.
func (e *External) Validate() error {
	if e.validated {
		return nil
	}
	if e.pos == nil {
		e.pos = map[string]Pos{}
	}
	if e.File == "" {
		e.File = "<go:external>"
	}
	errs := &Errors{}
	e.validate(errs, os.LookupEnv)
	return errs.orNil()
}

// Redacted is the security settings as they may be shown.
func (e *External) Redacted() map[string]string { return kafkaconn.Redacted(e.Config.Map()) }
