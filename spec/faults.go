package spec

import (
	"reflect"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/chaosrun/chaosrun/faults"
)

// Fault is one scheduled fault as written in the file.
type Fault struct {
	Type     string // in Go, may be left out when Fault is set
	At       time.Duration
	Duration time.Duration
	Target   faults.Target
	// Fault is the typed fault with its parameters: decoded from the same
	// mapping in a file, or built in Go (&faults.Latency{Latency: time.Second}).
	Fault faults.Fault
	Pos   Pos
	Path  string
	// Params are the type's parameters by their YAML names: the untyped
	// way to build one in Go (see New); a file's are decoded into Fault.
	Params map[string]any
}

// common are the keys every fault entry has; the rest belong to its type.
type common struct {
	Type     string        `yaml:"type"`
	At       time.Duration `yaml:"at"`
	Duration time.Duration `yaml:"duration"`
	Target   faults.Target `yaml:"target"`
}

var commonKeys = map[string]bool{"type": true, "at": true, "duration": true, "target": true}

// decodeNode decodes in two steps: read the type, then decode the entry into
// the common fields and that type's parameter struct, each strictly.
func (f *Fault) decodeNode(d *decoder, n *yaml.Node, path string) {
	f.Path, f.Pos = path, Pos{n.Line, n.Column}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping with type, at, target..., got %s", kindName(n))
		return
	}
	var c common
	paramKeys := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !commonKeys[n.Content[i].Value] {
			paramKeys[n.Content[i].Value] = true
		}
	}
	d.structure(n, reflect.ValueOf(&c).Elem(), path, paramKeys)
	f.Type, f.At, f.Duration, f.Target = c.Type, c.At, c.Duration, c.Target
	if c.Type == "" {
		d.fail(n, path+".type", "missing fault type (known: %v)", faults.Kinds())
		return
	}
	fault, err := faults.New(c.Type)
	if err != nil {
		d.failAt(path+".type", n, "%v", err)
		return
	}
	f.Fault = fault
	d.structure(n, reflect.ValueOf(fault).Elem(), path, commonKeys)
}
