package spec

import (
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/chaosrun/chaosrun/assertions"
)

// decodeNode reads the thresholds block through assertions.Catalog, so a
// new threshold needs no field here.
func (a *Assertions) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of thresholds, got %s", kindName(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if d.twice(n, i, p, k) {
			continue
		}
		d.pos[p] = Pos{k.Line, k.Column}
		t, ok := assertions.ThresholdByKey(k.Value)
		if !ok {
			d.fail(k, p, "unknown field %q%s", k.Value, suggest(k.Value, thresholdKeys()))
			continue
		}
		d.value(val, reflect.ValueOf(t.Field(&a.Criteria)).Elem(), p)
	}
}

func thresholdKeys() []string {
	var keys []string
	for _, t := range assertions.Thresholds() {
		keys = append(keys, t.Key)
	}
	return keys
}

func (c check) assertions() {
	for _, t := range assertions.Thresholds() {
		c.problems("assertions", t.Check(c.s.Assertions.Criteria))
	}
}
