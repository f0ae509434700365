package spec

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Override is one setting applied to every scenario a gate runs: "what is
// about to ship" (a broker config, a topic config, a client setting).
type Override struct {
	Section string // one of OverrideSections, or the parent of one of OverrideFields
	Key     string // the setting's own name, dots and all
	Value   string
	Source  string // where it was written, for messages: "--set" or "file:line"
	// Field: the override writes one of OverrideFields, not a settings map.
	Field bool
}

// OverrideSections are the settings maps an override may write.
var OverrideSections = []string{"cluster.broker", "topic.config", "workload.producer", "consumer.config"}

// OverrideFields are the scalar fields an override may write: the shape of
// the topic, the load and the kitchen display, which capacity sweeps vary.
// The load's rate is not among them: a capacity search sets it.
var OverrideFields = []string{
	"topic.partitions", "topic.replication_factor",
	"workload.producers", "workload.message_size", "workload.key", "workload.merchants",
	"consumer.instances", "consumer.workers", "consumer.processing_time",
	"sink.batch", "sink.mode",
}

// Path is the scenario field the override writes.
func (o Override) Path() string { return o.Section + "." + o.Key }

func (o Override) String() string { return fmt.Sprintf("%s=%s (%s)", o.Path(), o.Value, o.Source) }

// ParseOverride reads "section.key=value", e.g.
// "cluster.broker.num.io.threads=16".
func ParseOverride(s, source string) (Override, error) {
	path, value, ok := strings.Cut(s, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		return Override{}, fmt.Errorf("%s: %q: want section.key=value, e.g. cluster.broker.num.io.threads=16", source, s)
	}
	if slices.Contains(OverrideFields, path) {
		i := strings.LastIndexByte(path, '.')
		return Override{Section: path[:i], Key: path[i+1:], Value: strings.TrimSpace(value), Source: source, Field: true}, nil
	}
	for _, sec := range OverrideSections {
		if key, ok := strings.CutPrefix(path, sec+"."); ok && key != "" {
			return Override{Section: sec, Key: key, Value: strings.TrimSpace(value), Source: source}, nil
		}
	}
	return Override{}, fmt.Errorf("%s: %q: want a key under %s, or one of %s", source, path,
		strings.Join(OverrideSections, ", "), strings.Join(OverrideFields, ", "))
}

// ReadOverrides reads a properties file of section.key=value lines; blank
// lines and lines starting with # or ! are comments.
func ReadOverrides(file string) ([]Override, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []Override
	var errs []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' || text[0] == '!' {
			continue
		}
		o, err := ParseOverride(text, fmt.Sprintf("%s:%d", file, line))
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, o)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, sc.Err()
}

// applyOverrides writes each override into the document before it is
// decoded, so the scenario's own checks judge the result; a setting the
// file already has is replaced.
func applyOverrides(doc *yaml.Node, ovs []Override) {
	for _, o := range ovs {
		if o.Field {
			// No tag: the value is read as if written in the file (12 is an int).
			setNode(childMapping(doc, o.Section), o.Key, &yaml.Node{Kind: yaml.ScalarNode, Value: o.Value})
			continue
		}
		parts := strings.SplitN(o.Section, ".", 2)
		m := childMapping(doc, parts[0])
		m = childMapping(m, parts[1])
		setScalar(m, o.Key, o.Value)
	}
}

// childMapping finds key's mapping in m, creating it (or replacing a
// non-mapping) as needed.
func childMapping(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			if v.Kind == yaml.AliasNode && v.Alias != nil && v.Alias.Kind == yaml.MappingNode {
				// Write into a copy: the anchor's other uses stay as written.
				cp := *v.Alias
				cp.Content = slices.Clone(v.Alias.Content)
				cp.Anchor = ""
				m.Content[i+1] = &cp
				return &cp
			}
			if v.Kind == yaml.MappingNode {
				return v
			}
			m.Content[i+1] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			return m.Content[i+1]
		}
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	return v
}

func setScalar(m *yaml.Node, key, value string) {
	setNode(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

func setNode(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}
