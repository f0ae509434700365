package kafkaconn

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestResolveProviders(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "user.password"), []byte("s3cret\n"), 0o600)
	props := filepath.Join(dir, "client.properties")
	os.WriteFile(props, []byte("# comment\nusername = alice\npassword: hunter2\n"), 0o600)
	env := envOf(map[string]string{"KAFKA_USER": "bob"})
	for in, want := range map[string]string{
		"${env:KAFKA_USER}":                     "bob",
		"${dir:" + dir + ":user.password}":      "s3cret",
		"u=${file:" + props + ":username}":      "u=alice",
		"${file:" + props + ":password}-suffix": "hunter2-suffix",
		"no reference":                          "no reference",
	} {
		got, err := Resolve(in, env)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"${env:MISSING}", "${dir:" + dir + ":nope}", "${file:" + props + ":nokey}", "${file:nocolon}"} {
		if _, err := Resolve(in, env); err == nil {
			t.Errorf("Resolve(%q): want an error", in)
		}
	}
}

func TestParseSecurityPlaintextDefault(t *testing.T) {
	sec, errs := ParseSecurity(nil, envOf(nil))
	if len(errs) > 0 || sec.Protocol != "PLAINTEXT" || sec.TLS != nil || sec.SASL != nil {
		t.Fatalf("got %+v, %v", sec, errs)
	}
}

func TestParseSecuritySASL(t *testing.T) {
	env := envOf(map[string]string{"PW": "pw"})
	for mech, name := range map[string]string{"PLAIN": "PLAIN", "SCRAM-SHA-256": "SCRAM-SHA-256", "scram-sha-512": "SCRAM-SHA-512"} {
		sec, errs := ParseSecurity(map[string]string{
			"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": mech,
			"sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${env:PW}";`,
		}, env)
		if len(errs) > 0 || sec.SASL == nil || sec.SASL.Name() != name || sec.TLS != nil {
			t.Errorf("%s: got %+v, %v", mech, sec, errs)
		}
		if s := sec.String(); strings.Contains(s, "pw") || !strings.Contains(s, name) {
			t.Errorf("String() = %q", s)
		}
	}
}

// Each bad setting is refused at its key, with the reason.
func TestParseSecurityRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		settings map[string]string
		key, msg string
	}{
		{map[string]string{"security.protocol": "SSH"}, "security.protocol", "want PLAINTEXT"},
		{map[string]string{"sasl.kerberos.service.name": "kafka"}, "sasl.kerberos.service.name", "not a security setting"},
		{map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "GSSAPI", "sasl.jaas.config": `x username="a" password="b"`}, "sasl.mechanism", "GSSAPI"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": `x username="a";`}, "sasl.jaas.config", "password"},
		{map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": `x username="a" password="${env:NOPE}"`}, "sasl.jaas.config", "not set"},
		{map[string]string{"security.protocol": "SSL", "ssl.truststore.type": "JKS"}, "ssl.truststore.type", "only PEM"},
		{map[string]string{"security.protocol": "SSL", "ssl.truststore.location": filepath.Join(dir, "none.pem")}, "ssl.truststore.location", "no such file"},
		{map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": "not pem"}, "ssl.truststore.certificates", "no PEM certificate"},
		{map[string]string{"security.protocol": "SSL", "ssl.endpoint.identification.algorithm": "ldap"}, "ssl.endpoint.identification.algorithm", "want https"},
		{map[string]string{"ssl.truststore.location": "/x"}, "ssl.truststore.location", "TLS is not used"},
		{map[string]string{"sasl.mechanism": "PLAIN"}, "sasl.mechanism", "SASL is not used"},
	} {
		_, errs := ParseSecurity(tc.settings, envOf(nil))
		found := false
		for _, e := range errs {
			if e.Field == tc.key && strings.Contains(e.Msg, tc.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%v: want an error at %s containing %q, got %v", tc.settings, tc.key, tc.msg, errs)
		}
	}
}

func TestRedacted(t *testing.T) {
	got := Redacted(map[string]string{
		"security.protocol": "SASL_SSL",
		"sasl.jaas.config":  `x required username="alice" password="hunter2";`,
		"ssl.keystore.key":  "${dir:/etc/kafka/user:user.key}",
	})
	if strings.Contains(got["sasl.jaas.config"], "hunter2") || got["sasl.jaas.config"] != "[redacted]" {
		t.Errorf("jaas config shown: %q", got["sasl.jaas.config"])
	}
	if got["ssl.keystore.key"] != "${dir:/etc/kafka/user:user.key}" || got["security.protocol"] != "SASL_SSL" {
		t.Errorf("a reference or a plain setting was hidden: %v", got)
	}
	// A reference with a literal around it is still a secret.
	if got := Redacted(map[string]string{"sasl.jaas.config": `username="a" password="${env:PW}"`}); got["sasl.jaas.config"] != "[redacted]" {
		t.Errorf("got %q", got["sasl.jaas.config"])
	}
}

// A password is resolved inside its quotes: a " or \ in it is kept whole.
func TestJAASPasswordWithQuotes(t *testing.T) {
	for _, pw := range []string{`a"b\c`, `plain`, `x y`} {
		sec, errs := ParseSecurity(map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
			"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${env:PW}";`},
			envOf(map[string]string{"PW": pw}))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		_, msg, err := sec.SASL.Authenticate(context.Background(), "h")
		if err != nil || string(msg) != "\x00u\x00"+pw {
			t.Errorf("password %q: sent %q, %v", pw, msg, err)
		}
	}
	// Escapes written in the file are undone.
	sec, _ := ParseSecurity(map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
		"sasl.jaas.config": `x required username="u" password="q\"uo\\te";`}, envOf(nil))
	if _, msg, _ := sec.SASL.Authenticate(context.Background(), "h"); string(msg) != "\x00u\x00q\"uo\\te" {
		t.Errorf("sent %q", msg)
	}
}

func TestUnknownProviderAndConflictsRefused(t *testing.T) {
	if _, err := Resolve("${vault:secret/kafka:pw}", envOf(nil)); err == nil || !strings.Contains(err.Error(), "env, file and dir") {
		t.Errorf("unknown provider: %v", err)
	}
	_, errs := ParseSecurity(map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": "x", "ssl.truststore.location": "/x",
		"ssl.keystore.location": "/k", "ssl.keystore.key": "k"}, envOf(nil))
	var keys []string
	for _, e := range errs {
		if strings.Contains(e.Msg, "set together") {
			keys = append(keys, e.Field)
		}
	}
	if strings.Join(keys, ",") != "ssl.truststore.certificates,ssl.keystore.location" {
		t.Errorf("conflicts reported at %v (all: %v)", keys, errs)
	}
}
