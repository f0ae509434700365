package spec

import (
	"encoding"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/load"
	"gopkg.in/yaml.v3"
)

// New checks a scenario built in Go exactly as a file is checked: it is
// written out as the YAML it stands for and read back through the same
// strict decoder, defaults and validation. A zero field counts as not
// written, so it takes its default (in Go, `Rate: 0` cannot be told from
// leaving Rate out). A fault is a typed value in Fault.Fault (its type
// taken from it: &faults.Latency{...} is a latency), or a Type with
// parameters in Fault.Params by their YAML names. Errors name the field;
// their file is "<go:NAME>".
func New(s Scenario) (*Scenario, error) {
	// Values a loaded scenario got by default are left to be derived again.
	if s.Consumer.DeadLetterTopic == s.Topic.Name+".dlq" {
		s.Consumer.DeadLetterTopic = ""
	}
	if len(s.Workload.Phases) > 0 && s.Workload.Duration == load.Timed(s.Workload.Load()) {
		s.Workload.Duration = 0
	}
	doc := encodeValue(reflect.ValueOf(s))
	if doc == nil {
		doc = &yaml.Node{Kind: yaml.MappingNode}
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return nil, &Errors{List: []*Error{{File: goFile(s.Name), Msg: fmt.Sprintf("encode: %v", err)}}}
	}
	out, err := ParseWith(goFile(s.Name), data, s.Overrides)
	if err != nil {
		if errs := AsErrors(err); errs != nil {
			for _, e := range errs.List {
				e.Line, e.Column = 0, 0 // lines of the generated YAML mean nothing to the caller
			}
		}
		return nil, err
	}
	if s.File != "" {
		out.File = s.File
	}
	return out, nil
}

func goFile(name string) string { return "<go:" + name + ">" }

var (
	settingsType  = reflect.TypeOf(Settings{})
	faultType     = reflect.TypeOf(Fault{})
	textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// encodeValue is v as a YAML node, nil when v is zero (not written).
func encodeValue(v reflect.Value) *yaml.Node {
	if !v.IsValid() || v.IsZero() {
		return nil
	}
	switch {
	case v.Type() == durationType:
		return scalar(time.Duration(v.Int()).String())
	case v.Type() == settingsType:
		m := &yaml.Node{Kind: yaml.MappingNode}
		for _, kv := range v.Interface().(Settings) {
			m.Content = append(m.Content, scalar(kv.Key), scalar(kv.Value))
		}
		return m
	case v.Type() == faultType:
		return encodeFault(v.Interface().(Fault))
	case v.Type().Implements(textMarshaler) && v.Kind() != reflect.Pointer && v.CanInterface():
		b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err == nil {
			return scalar(string(b))
		}
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if n := encodeValue(v.Elem()); n != nil {
			return n
		}
		return zeroScalar(v.Elem()) // a pointer to zero is written: consumer: 0
	case reflect.Struct:
		return encodeStruct(v, &yaml.Node{Kind: yaml.MappingNode})
	case reflect.Slice, reflect.Array:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for i := range v.Len() {
			n := encodeValue(v.Index(i))
			if n == nil {
				n = zeroScalar(v.Index(i))
			}
			seq.Content = append(seq.Content, n)
		}
		return seq
	case reflect.Map:
		m := &yaml.Node{Kind: yaml.MappingNode}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			return strings.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
		})
		for _, k := range keys {
			n := encodeValue(v.MapIndex(k))
			if n == nil {
				n = zeroScalar(v.MapIndex(k))
			}
			m.Content = append(m.Content, scalar(fmt.Sprint(k.Interface())), n)
		}
		return m
	case reflect.String:
		return scalar(v.String())
	case reflect.Bool:
		return scalar(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalar(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalar(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		return scalar(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	}
	if v.CanInterface() {
		return scalar(fmt.Sprint(v.Interface()))
	}
	return nil
}

// encodeStruct appends v's written fields, by their yaml names, to m;
// embedded structs (assertions.Criteria) inline.
func encodeStruct(v reflect.Value, m *yaml.Node) *yaml.Node {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		if f.Anonymous && (tag == "" || tag == ",inline") {
			encodeStruct(v.Field(i), m)
			continue
		}
		name := tag
		if name == "" {
			continue
		}
		if n := encodeValue(v.Field(i)); n != nil {
			m.Content = append(m.Content, scalar(name), n)
		}
	}
	if len(m.Content) == 0 {
		return nil
	}
	return m
}

// encodeFault writes the common keys, then the typed parameters (a fault
// read from a file or built in Go as a value) or Params (by name).
func encodeFault(f Fault) *yaml.Node {
	if f.Type == "" && f.Fault != nil {
		f.Type = faults.TypeOf(f.Fault)
	}
	m := encodeStruct(reflect.ValueOf(common{Type: f.Type, At: f.At, Duration: f.Duration, Target: f.Target}), &yaml.Node{Kind: yaml.MappingNode})
	if m == nil {
		m = &yaml.Node{Kind: yaml.MappingNode}
	}
	if f.Fault != nil {
		encodeStruct(reflect.ValueOf(f.Fault).Elem(), m)
	}
	for _, k := range slices.Sorted(maps.Keys(f.Params)) {
		n := encodeValue(reflect.ValueOf(f.Params[k]))
		if n == nil {
			n = zeroScalar(reflect.ValueOf(f.Params[k]))
		}
		m.Content = append(m.Content, scalar(k), n)
	}
	return m
}

// scalar is written as a string, quoted where YAML would read it otherwise
// ("", "null", "~"); the decoder parses numbers and booleans from the text.
func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// zeroScalar writes a zero inside a list or map, where leaving it out
// would shift or drop an entry.
func zeroScalar(v reflect.Value) *yaml.Node {
	if !v.IsValid() {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	if v.Type() == durationType {
		return scalar("0s")
	}
	return scalar(fmt.Sprint(v.Interface()))
}
