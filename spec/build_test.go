package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/chaosrun/chaosrun/faults"
)

// Every shipped scenario, loaded and then checked again as a Go value,
// comes out the same: New reads exactly what the file said.
func TestNewRoundTripsShippedScenarios(t *testing.T) {
	files, _ := filepath.Glob("../scenarios/*.yaml")
	more, _ := filepath.Glob("../scenarios/*/*.yaml")
	deeper, _ := filepath.Glob("../scenarios/*/*/*.yaml")
	files = append(append(files, more...), deeper...)
	if len(files) < 20 {
		t.Fatalf("only %d scenarios found", len(files))
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		again, err := New(*s)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		a, _ := yaml.Marshal(encodeValue(reflect.ValueOf(*s)))
		b, _ := yaml.Marshal(encodeValue(reflect.ValueOf(*again)))
		if string(a) != string(b) {
			t.Errorf("%s: differs after New:\n%s\nvs\n%s", f, a, b)
		}
		if again.File != s.File {
			t.Errorf("%s: file %q", f, again.File)
		}
	}
}

func TestNewBuildsAndRefuses(t *testing.T) {
	zero := 0
	s, err := New(Scenario{Name: "go-built", Cluster: Cluster{Nodes: 1}, Workload: Workload{Rate: 200, Duration: 20 * time.Second,
		Producer: Settings{{Key: "acks", Value: "all"}}},
		Faults: []Fault{
			{Type: "latency", At: 5 * time.Second, Duration: 5 * time.Second, Target: faults.Target{All: true}, Params: map[string]any{"latency": "50ms"}},
			{Type: "consumer-crash", At: 12 * time.Second, Duration: 2 * time.Second, Target: faults.Target{Consumer: &zero}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Cluster.Nodes != 1 || s.Topic.Name != "orders" || s.Consumer.Instances != 2 || s.Workload.Producer.Map()["acks"] != "all" || len(s.Faults) != 2 {
		t.Errorf("defaults or values lost: %+v", s)
	}
	_, err = New(Scenario{Name: "bad", Workload: Workload{Duration: 10 * time.Second},
		Faults: []Fault{{Type: "latency", At: 20 * time.Second, Duration: time.Second, Params: map[string]any{"latencyy": "1s"}}}})
	if err == nil || !strings.Contains(err.Error(), "<go:bad>: faults[0].latencyy") || !strings.Contains(err.Error(), "faults[0]") {
		t.Fatalf("got %v", err)
	}
	os.Stdout.Sync()
}

// A fault built as a typed value is checked as a file's is: its type comes
// from the value, zero parameters take their defaults, and a bad one is
// refused at its field.
func TestNewTakesTypedFaults(t *testing.T) {
	s, err := New(Scenario{Name: "typed", Cluster: Cluster{Nodes: 1}, Workload: Workload{Rate: 200, Duration: 20 * time.Second},
		Faults: []Fault{
			{At: 5 * time.Second, Duration: 5 * time.Second, Target: faults.Target{All: true},
				Fault: &faults.Latency{Latency: 50 * time.Millisecond, Jitter: 10 * time.Millisecond}},
			{At: 12 * time.Second, Duration: 2 * time.Second, Fault: &faults.ForeignConsumer{Guard: true}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	l, ok := s.Faults[0].Fault.(*faults.Latency)
	if !ok || s.Faults[0].Type != "latency" || l.Latency != 50*time.Millisecond || l.Jitter != 10*time.Millisecond {
		t.Errorf("latency lost: %s %+v", s.Faults[0].Type, s.Faults[0].Fault)
	}
	if fc, ok := s.Faults[1].Fault.(*faults.ForeignConsumer); !ok || fc.Env != "pre" || !fc.Guard || s.Faults[1].Type != "foreign-consumer" {
		t.Errorf("foreign consumer lost or without its default env: %+v", s.Faults[1].Fault)
	}
	_, err = New(Scenario{Name: "bad", Cluster: Cluster{Nodes: 1}, Workload: Workload{Rate: 200, Duration: 20 * time.Second},
		Faults: []Fault{{At: 5 * time.Second, Duration: time.Second, Target: faults.Target{All: true},
			Fault: &faults.Latency{Latency: time.Millisecond, Jitter: time.Second}}}})
	if err == nil || !strings.Contains(err.Error(), "<go:bad>: faults[0].jitter: must be between 0 and latency") {
		t.Fatalf("got %v", err)
	}
}

// An empty string is written as one (not as YAML's null): the setting's
// own rule judges it.
func TestNewKeepsEmptyStrings(t *testing.T) {
	_, err := New(Scenario{Name: "e", Workload: Workload{Producer: Settings{{Key: "client.id", Value: ""}}}})
	if err == nil || !strings.Contains(err.Error(), "client.id: must not be empty") {
		t.Fatalf("got %v", err)
	}
}
