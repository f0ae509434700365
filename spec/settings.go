package spec

import (
	"github.com/chaosrun/chaosrun/clientconf"
	"gopkg.in/yaml.v3"
)

// Settings are Kafka settings by their Java/Kafka names, in file order, each
// remembering its line so a refused one can be pointed at.
type Settings []Setting

// Setting is one key: value pair of Settings.
type Setting struct {
	Key   string
	Value string
	Pos   Pos
}

func (s *Settings) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of setting: value, got %s", kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		d.pos[p] = Pos{k.Line, k.Column}
		if seen[k.Value] {
			d.fail(k, p, "set twice")
			continue
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			d.fail(v, p, "want a single value, got %s", kindName(v))
			continue
		}
		*s = append(*s, Setting{Key: k.Value, Value: v.Value, Pos: Pos{k.Line, k.Column}})
	}
}

// Client converts to clientconf's form.
func (s Settings) Client() []clientconf.Setting {
	out := make([]clientconf.Setting, len(s))
	for i, kv := range s {
		out[i] = clientconf.Setting{Key: kv.Key, Value: kv.Value}
	}
	return out
}

// Map converts to a plain map.
func (s Settings) Map() map[string]string {
	out := make(map[string]string, len(s))
	for _, kv := range s {
		out[kv.Key] = kv.Value
	}
	return out
}
