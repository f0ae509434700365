package spec

import (
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/chaosrun/chaosrun/assertions"
)

// decodeNode reads the thresholds block through assertions.Catalog, so a
// new threshold needs no field here.
func (a *Assertions) decodeNode(d *decoder, n *yaml.Node, path string) {
	d.entries(n, path, "a mapping of thresholds", func(k, val *yaml.Node, p string) {
		t, ok := assertions.ThresholdByKey(k.Value)
		if !ok {
			d.fail(k, p, "unknown field %q%s", k.Value, suggest(k.Value, thresholdKeys()))
			return
		}
		d.value(val, reflect.ValueOf(t.Field(&a.Criteria)).Elem(), p)
	})
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
