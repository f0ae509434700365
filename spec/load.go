package spec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes and validates a scenario file. Any problem with the
// file comes back as *Errors, each pointing at file, line and field.
func Load(path string) (*Scenario, error) { return LoadWith(path, nil) }

// LoadWith is Load with overrides applied to the file before it is checked
// (a gate's --set); the scenario records them.
func LoadWith(path string, ovs []Override) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Errors{List: []*Error{{File: path, Msg: err.Error()}}}
	}
	return ParseWith(path, data, ovs)
}

// Parse is Load on bytes already read; file names them in errors.
func Parse(file string, data []byte) (*Scenario, error) { return ParseWith(file, data, nil) }

// ParseWith is LoadWith on bytes already read.
func ParseWith(file string, data []byte, ovs []Override) (*Scenario, error) {
	errs := &Errors{}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		errs.add(syntaxError(file, data, err))
		return nil, errs
	}
	var extra yaml.Node
	if dec.Decode(&extra) == nil {
		errs.add(&Error{File: file, Line: extra.Line, Column: extra.Column, Msg: "more than one YAML document; a scenario file holds one"})
		return nil, errs
	}
	if len(doc.Content) == 0 {
		errs.add(&Error{File: file, Msg: "empty file"})
		return nil, errs
	}
	if len(ovs) > 0 {
		if doc.Content[0].Kind != yaml.MappingNode {
			errs.add(&Error{File: file, Line: doc.Content[0].Line, Column: doc.Content[0].Column, Msg: "a scenario is a mapping of fields"})
			return nil, errs
		}
		applyOverrides(doc.Content[0], ovs)
	}
	s := &Scenario{File: file, Overrides: ovs, pos: map[string]Pos{"": {doc.Content[0].Line, doc.Content[0].Column}}}
	d := &decoder{file: file, errs: errs, pos: s.pos}
	d.structure(doc.Content[0], reflect.ValueOf(s).Elem(), "", nil)
	if len(errs.List) > 0 {
		return nil, errs
	}
	s.applyDefaults()
	s.validate(errs)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	return s, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

var unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '([^']*)' referenced$`)

func syntaxError(file string, data []byte, err error) *Error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return &Error{File: file, Msg: fmt.Sprint(te.Errors)}
	}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Column: 1, Msg: "YAML syntax: " + m[2]}
	}
	if m := unknownAnchor.FindStringSubmatch(err.Error()); m != nil {
		// The decoder gives no line here; the first use of the alias has one.
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			return &Error{File: file, Line: bytes.Count(data[:i], []byte("\n")) + 1, Column: 1, Msg: "YAML syntax: unknown anchor '" + m[1] + "' referenced"}
		}
	}
	return &Error{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(err.Error(), "yaml: ")}
}
