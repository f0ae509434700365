package harness

import (
	"slices"
	"testing"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// problemFields lists where each problem is, in order.
func problemFields(ps problem.List) []string {
	fields := make([]string, len(ps))
	for i, p := range ps {
		fields[i] = p.Field
	}
	return fields
}

func TestValidatorsPlaceProblems(t *testing.T) {
	ok := NodeSpec{ID: 1, Controller: true, ClientAdvertised: "a", ClusterID: "c"}
	for name, c := range map[string]struct {
		got  problem.List
		want []string // fields, in order
		err  string   // the list as an error
	}{
		"run id":          {CheckRunID("a/b"), []string{`run id "a/b"`}, `run id "a/b": use letters, digits, '.', '_' or '-'`},
		"run id good":     {CheckRunID("run-1"), []string{}, ""},
		"empty key":       {ValidateBrokerConfig(map[string]string{" ": "3"}), []string{"broker config"}, "broker config: empty key"},
		"reserved keys":   {ValidateBrokerConfig(map[string]string{"node.id": "1", "log.dir": "x"}), []string{"broker config"}, "broker config: keys log.dir, node.id are set by the harness and cannot be overridden"},
		"no nodes":        {validateSpecs(nil), []string{""}, "no nodes"},
		"no controller":   {validateSpecs([]NodeSpec{{ID: 1, ClientAdvertised: "a", ClusterID: "c"}}), []string{""}, "no controller node"},
		"duplicate id":    {validateSpecs([]NodeSpec{ok, ok}), []string{"node id 1"}, "node id 1: negative or duplicate"},
		"no address":      {validateSpecs([]NodeSpec{{ID: 2, Controller: true, ClusterID: "c"}}), []string{"node 2"}, "node 2: client address and cluster id are required"},
		"node overrides":  {validateSpecs([]NodeSpec{{ID: 1, Controller: true, ClientAdvertised: "a", ClusterID: "c", Overrides: map[string]string{"": "x"}}}), []string{"node 1"}, "node 1: broker config: empty key"},
		"good nodes":      {validateSpecs([]NodeSpec{ok}), []string{}, ""},
		"negative nodes":  {Config{Nodes: -1}.check(), []string{"nodes"}, "nodes: -1, want at least 1"},
		"controller":      {Config{Nodes: 3, Controllers: []int32{4, 1, 1}}.check(), []string{"controllers", "controllers"}, "controllers: id 4 is duplicate or not a node (1..3); controllers: id 1 is duplicate or not a node (1..3)"},
		"feature":         {Config{Nodes: 1, Controllers: []int32{1}, Features: map[string]int{"": 1}}.check(), []string{"features"}, "features: empty name"},
		"config reserved": {Config{Nodes: 1, Controllers: []int32{1}, BrokerConfig: map[string]string{"listeners": "x"}}.check(), []string{"broker config"}, "broker config: keys listeners are set by the harness and cannot be overridden"},
	} {
		if got := problemFields(c.got); !slices.Equal(got, c.want) {
			t.Errorf("%s: problems %v, want at %q", name, c.got, c.want)
		}
		var msg string
		if err := c.got.Err(); err != nil {
			msg = err.Error()
		}
		if msg != c.err {
			t.Errorf("%s: error %q, want %q", name, msg, c.err)
		}
	}
}
