package gate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/chaosrun/chaosrun/spec"
	"github.com/chaosrun/chaosrun/thresholds"
)

// Suite is a suite file: the scenarios a gate runs, with the settings and
// thresholds that apply to every one of them.
//
//	suite: pre-release
//	scenarios: [../scenarios/incidents/, ../scenarios/baseline.yaml]
//	set:
//	  cluster.broker.num.io.threads: "16"
//	thresholds:
//	  - produce_ack.p99 < 500ms
type Suite struct {
	Name       string
	File       string
	Paths      []string // scenario files or folders, relative to the suite file's folder
	Overrides  []spec.Override
	Thresholds []SuiteThreshold
}

// SuiteThreshold is a threshold of the suite, with where it was written.
type SuiteThreshold struct {
	thresholds.Threshold
	Line int
}

var suiteKeys = []string{"suite", "scenarios", "set", "thresholds"}

// IsSuite reports whether data is a suite file (it has a top-level suite:
// key) rather than a scenario.
func IsSuite(data []byte) bool {
	var doc yaml.Node
	if yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return false
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "suite" {
			return true
		}
	}
	return false
}

// ParseSuite reads a suite file strictly: every problem is bad input at
// file:line.
func ParseSuite(file string, data []byte) (*Suite, error) {
	errs := &spec.Errors{}
	at := func(n *yaml.Node, field, format string, args ...any) {
		errs.List = append(errs.List, &spec.Error{File: file, Line: n.Line, Column: n.Column, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, &spec.Errors{List: []*spec.Error{{File: file, Msg: "YAML syntax: " + err.Error()}}}
	}
	s := &Suite{File: file}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch k.Value {
		case "suite":
			if v.Kind != yaml.ScalarNode || v.Value == "" {
				at(v, "suite", "want the suite's name")
			}
			s.Name = v.Value
		case "scenarios":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				at(v, "scenarios", "want a list of scenario files or folders")
				continue
			}
			for j, e := range v.Content {
				if e.Kind != yaml.ScalarNode || e.Value == "" {
					at(e, fmt.Sprintf("scenarios[%d]", j), "want a path")
					continue
				}
				p := e.Value
				if !filepath.IsAbs(p) {
					p = filepath.Join(filepath.Dir(file), p)
				}
				if _, err := os.Stat(p); err != nil {
					at(e, fmt.Sprintf("scenarios[%d]", j), "%v", err)
					continue
				}
				s.Paths = append(s.Paths, p)
			}
		case "set":
			if v.Kind != yaml.MappingNode {
				at(v, "set", "want a mapping of section.key: value")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				key, val := v.Content[j], v.Content[j+1]
				o, err := spec.ParseOverride(key.Value+"="+val.Value, fmt.Sprintf("%s:%d", file, key.Line))
				if err != nil || val.Kind != yaml.ScalarNode {
					at(key, "set."+key.Value, "want section.key: value under %v", spec.OverrideSections)
					continue
				}
				s.Overrides = append(s.Overrides, o)
			}
		case "thresholds":
			if v.Kind != yaml.SequenceNode {
				at(v, "thresholds", `want a list, e.g. ["produce_ack.p99 < 500ms"]`)
				continue
			}
			for j, e := range v.Content {
				t, err := thresholds.Parse(e.Value)
				if err != nil {
					at(e, fmt.Sprintf("thresholds[%d]", j), "%v", err)
					continue
				}
				s.Thresholds = append(s.Thresholds, SuiteThreshold{t, e.Line})
			}
		default:
			at(k, k.Value, "unknown field (known: %v)", suiteKeys)
		}
	}
	if s.Name == "" && !slices.ContainsFunc(errs.List, func(e *spec.Error) bool { return e.Field == "suite" }) {
		at(m, "suite", "want the suite's name")
	}
	if len(s.Paths) == 0 && len(errs.List) == 0 {
		at(m, "scenarios", "a suite lists at least one scenario file or folder")
	}
	if len(errs.List) > 0 {
		return nil, errs
	}
	return s, nil
}
