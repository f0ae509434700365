package harness

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeDefaults(t *testing.T) {
	cfg, err := normalize(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Nodes != 3 || !slices.Equal(cfg.Controllers, []int32{1, 2, 3}) || cfg.ReadyTimeout == 0 {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestNormalizeRejects(t *testing.T) {
	for name, cfg := range map[string]Config{
		"negative nodes":       {Nodes: -1},
		"controller not node":  {Nodes: 3, Controllers: []int32{4}},
		"duplicate controller": {Nodes: 3, Controllers: []int32{1, 1}},
		"reserved key":         {BrokerConfig: map[string]string{"listeners": "x"}},
		"empty feature":        {Features: map[string]int{"": 1}},
	} {
		if _, err := normalize(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestClusterID(t *testing.T) {
	for range 500 {
		id := newClusterID()
		b, err := base64.RawURLEncoding.DecodeString(id)
		if len(id) != 22 || err != nil || len(b) != 16 || id[0] == '-' {
			t.Fatalf("cluster id %q: %v", id, err)
		}
	}
}

// closeCounter is a Runtime that only records Close.
type closeCounter struct {
	Runtime
	closed int
}

func (r *closeCounter) Close(context.Context) error { r.closed++; return nil }

func TestStartRejectsReservedKeysAndClosesRuntime(t *testing.T) {
	rt := &closeCounter{}
	_, err := Start(context.Background(), rt, Config{BrokerConfig: map[string]string{"node.id": "4"}})
	if err == nil || !strings.Contains(err.Error(), "node.id") {
		t.Fatalf("err = %v", err)
	}
	if rt.closed != 1 {
		t.Errorf("runtime closed %d times, want 1", rt.closed)
	}
}

// namedRuntime is a Runtime that only has a name.
type namedRuntime struct {
	Runtime
	name string
}

func (r namedRuntime) Name() string { return r.name }

func TestIsolateNeedsAPartitioner(t *testing.T) {
	c := &Cluster{rt: namedRuntime{name: "process"}}
	for _, op := range []func(context.Context, int32) error{c.Isolate, c.Rejoin} {
		err := op(context.Background(), 1)
		if !errors.Is(err, ErrCannotIsolate) || !strings.Contains(err.Error(), "the process runtime cannot isolate a broker; use --runtime docker") {
			t.Errorf("err = %v", err)
		}
	}
}
