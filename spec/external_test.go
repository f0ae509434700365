package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A cluster file is decoded as strictly as a scenario, every problem at
// its line and field.
func TestLoadExternalErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(f, []byte(`bootstrap: [broker-0:9092, nope]
config:
  security.protocol: SASL_SSL
  sasl.mechanism: OAUTHBEARER
hooks:
  kill: kubectl delete pod kafka-{{.Nodee}}
  restart: x
prefix: "bad name!"
`), 0o644)
	_, err := LoadExternal(f)
	if err == nil || !strings.Contains(err.Error(), "c.yaml:7:3: hooks.restart") {
		t.Fatalf("decoding: %v", err)
	}
	os.WriteFile(f, []byte(`bootstrap: [broker-0:9092, nope]
config:
  security.protocol: SASL_SSL
  sasl.mechanism: OAUTHBEARER
hooks:
  kill: kubectl delete pod kafka-{{.Nodee}}
prefix: "bad name!"
`), 0o644)
	_, err = LoadExternal(f)
	for _, want := range []string{"c.yaml:1:28: bootstrap[1]", "c.yaml:4:3: config.sasl.mechanism", "c.yaml:6:3: hooks.kill", "c.yaml:7:1: prefix"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
}

func TestExternalInScenario(t *testing.T) {
	s, err := Parse("s.yaml", []byte("name: s\ncluster:\n  external:\n    bootstrap: [k:9092]\n    hooks: {kill: 'k {{.Node}}', start: 's {{.Node}}'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := s.Cluster.External
	if e == nil || e.Prefix != DefaultPrefix || e.Security.Protocol != "PLAINTEXT" || e.Hooks.Kill != "k {{.Node}}" {
		t.Fatalf("got %+v", e)
	}
	_, err = Parse("s.yaml", []byte("name: s\ncluster:\n  external:\n    bootstrap: [k:9092]\n    config: {security.protocol: TLS}\n"))
	if err == nil || !strings.Contains(err.Error(), "s.yaml:5:14: cluster.external.config.security.protocol") {
		t.Fatalf("got %v", err)
	}
	if _, err := BootstrapExternal("a:1,b"); err == nil || !strings.Contains(err.Error(), "--bootstrap") {
		t.Fatalf("got %v", err)
	}
}
