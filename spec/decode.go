package spec

import (
	"encoding"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder decodes yaml nodes into Go values strictly: every key must match a
// yaml tag, every scalar must parse as its field's type, durations need a
// unit. It records the position of every key so later checks can point at
// the line they complain about.
type decoder struct {
	file string
	errs *Errors
	pos  map[string]Pos
}

// nodeDecoder is implemented by types that decode themselves (settings, faults).
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

var (
	durationType = reflect.TypeOf(time.Duration(0))
	textType     = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs.add(&Error{File: d.file, Line: n.Line, Column: n.Column, Field: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
		nd.decodeNode(d, n, path)
		return
	}
	switch {
	case v.Type() == durationType:
		d.duration(n, v, path)
	case v.Addr().Type().Implements(textType):
		d.text(n, v.Addr().Interface().(encoding.TextUnmarshaler), path)
	case v.Kind() == reflect.Struct:
		d.structure(n, v, path, nil)
	case v.Kind() == reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		d.value(n, v.Elem(), path)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	case v.Kind() == reflect.Map:
		d.mapping(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

// structure decodes a mapping into a struct; extra names keys that belong to
// an enclosing decoder (a fault entry's common fields).
func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string, extra map[string]bool) {
	fields := fieldsOf(v)
	d.entries(n, path, "a mapping of fields", func(k, val *yaml.Node, p string) {
		if extra[k.Value] {
			return
		}
		f, ok := fields[k.Value]
		if !ok {
			d.fail(k, p, "unknown field %q%s", k.Value, suggest(k.Value, slices.Collect(maps.Keys(fields))))
			return
		}
		d.value(val, f, p)
	})
}

// entries calls fn for each key of the mapping n at its path, once its
// position is recorded; a key given twice is refused, and a node that is
// not a mapping is refused as not what was wanted (ok false).
func (d *decoder) entries(n *yaml.Node, path, want string, fn func(k, val *yaml.Node, p string)) (ok bool) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want %s, got %s", want, kindName(n))
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if d.twice(n, i, p, k) {
			continue
		}
		d.pos[p] = Pos{k.Line, k.Column}
		fn(k, val, p)
	}
	return true
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.pos[p] = Pos{item.Line, item.Column}
		d.value(item, s.Index(i), p)
	}
	v.Set(s)
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	m := reflect.MakeMap(v.Type())
	ok := d.entries(n, path, "a mapping", func(k, val *yaml.Node, p string) {
		key := reflect.New(v.Type().Key()).Elem()
		d.scalar(k, key, p)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(val, elem, p)
		m.SetMapIndex(key, elem)
	})
	if ok {
		v.Set(m)
	}
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a duration such as 30s or 250ms, got %s", kindName(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil || dur < 0 {
		d.fail(n, path, "bad duration %q: want a non-negative number with a unit, such as 30s, 250ms or 1m30s", n.Value)
		return
	}
	v.SetInt(int64(dur))
}

// text decodes a scalar through the type's own parser (a key mode, a
// topic/partition), reporting its error at the value.
func (d *decoder) text(n *yaml.Node, u encoding.TextUnmarshaler, path string) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.fail(n, path, "want a single value, got %s", kindName(n))
		return
	}
	if err := u.UnmarshalText([]byte(n.Value)); err != nil {
		d.fail(n, path, "%v", err)
	}
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.fail(n, path, "want a %s, got %s", typeName(v.Type()), kindName(n))
		return
	}
	s := n.Value
	var err error
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		var b bool
		b, err = strconv.ParseBool(s)
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		i, err = strconv.ParseInt(s, 10, v.Type().Bits())
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var u uint64
		u, err = strconv.ParseUint(s, 10, v.Type().Bits())
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		var f float64
		f, err = strconv.ParseFloat(s, 64)
		if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
			err = fmt.Errorf("not finite")
		}
		v.SetFloat(f)
	default:
		d.fail(n, path, "cannot decode into %s", v.Type())
		return
	}
	if err != nil {
		d.fail(n, path, "want a %s, got %q", typeName(v.Type()), s)
	}
}

// fieldsOf maps yaml keys to settable fields, following inline embedded structs.
func fieldsOf(v reflect.Value) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case opts == "inline":
			for k, fv := range fieldsOf(v.Field(i)) {
				out[k] = fv
			}
		case name != "" && name != "-" && f.IsExported():
			out[name] = v.Field(i)
		}
	}
	return out
}

func suggest(key string, names []string) string {
	slices.Sort(names)
	for _, k := range names {
		if strings.Contains(k, key) || strings.Contains(key, k) || strings.ReplaceAll(key, "-", "_") == k {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "string"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "non-negative whole number"
	default:
		return "whole number"
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// twice reports a key written a second time in one mapping: the last one
// would silently win otherwise.
func (d *decoder) twice(n *yaml.Node, i int, path string, k *yaml.Node) bool {
	for j := 0; j < i; j += 2 {
		if n.Content[j].Value == k.Value {
			d.fail(k, path, "set twice (first at line %d)", n.Content[j].Line)
			return true
		}
	}
	return false
}

// failAt reports at the recorded position of path, or at n when path has none.
func (d *decoder) failAt(path string, n *yaml.Node, format string, args ...any) {
	p, ok := d.pos[path]
	if !ok {
		p = Pos{n.Line, n.Column}
	}
	d.errs.add(&Error{File: d.file, Line: p.Line, Column: p.Column, Field: path, Msg: fmt.Sprintf(format, args...)})
}
