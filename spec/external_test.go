package spec

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	if e == nil {
		t.Fatal("no external cluster")
	}
	if sec, err := e.ClientSecurity(); err != nil || e.Prefix != DefaultPrefix || sec.Protocol != "PLAINTEXT" || e.Hooks.Kill != "k {{.Node}}" {
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

// The Strimzi example's cluster file is a valid cluster file.
func TestStrimziExampleLoads(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), selfSigned(t), 0o644); err != nil {
		t.Fatal(err)
	}
	file, _ := filepath.Abs("../docs/strimzi/cluster.yaml")
	t.Chdir(dir) // ca.crt is relative to where chaosrun runs
	t.Setenv("KAFKA_PASSWORD", "x")
	e, err := LoadExternal(file)
	if err != nil {
		t.Fatal(err)
	}
	if sec, err := e.ClientSecurity(); err != nil || sec.String() != "SASL_SSL (SCRAM-SHA-512)" || e.Hooks.Isolate == "" || e.Hooks.Timeout != 6*time.Minute {
		t.Fatalf("got %+v", e)
	}
}

// selfSigned is a PEM certificate, enough for a trust store.
func selfSigned(t *testing.T) []byte {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
