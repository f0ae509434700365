package kafkaconn

import (
	"bufio"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Security is TLS and SASL for a connection.
type Security struct {
	Protocol string      // security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
	TLS      *tls.Config // SSL and SASL_SSL
	SASL     sasl.Mechanism
}

// Keys are the Java client settings ParseSecurity understands.
var Keys = []string{
	"security.protocol", "sasl.mechanism", "sasl.jaas.config",
	"ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.certificates",
	"ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.certificate.chain", "ssl.keystore.key",
	"ssl.endpoint.identification.algorithm",
}

// secretKeys hold credentials: shown redacted wherever settings are shown.
var secretKeys = []string{"sasl.jaas.config", "ssl.keystore.key"}

// Redacted is settings as they may be shown: a secret is replaced unless it
// is only a reference to where the secret lives (${env:...}, ${file:...},
// ${dir:...}), which is worth showing.
func Redacted(settings map[string]string) map[string]string {
	out := maps.Clone(settings)
	for _, k := range secretKeys {
		if v, ok := out[k]; ok && !isReference(v) {
			out[k] = "[redacted]"
		}
	}
	return out
}

func isReference(v string) bool {
	return refPattern.MatchString(v) && refPattern.ReplaceAllString(v, "") == ""
}

// refPattern is Kafka's config-provider reference, ${provider:[path:]key};
// providers other than env, file and dir are refused, never sent as a value.
var refPattern = regexp.MustCompile(`\$\{([A-Za-z0-9_.-]+):([^}]*)\}`)

// Resolve replaces Kafka's config-provider references in v the way its
// EnvVarConfigProvider, FileConfigProvider and DirectoryConfigProvider do:
// ${env:NAME} an environment variable, ${file:PATH:KEY} a key of a
// properties file, ${dir:DIR:FILE} the content of a file in a directory.
func Resolve(v string, env func(string) (string, bool)) (string, error) {
	var first error
	out := refPattern.ReplaceAllStringFunc(v, func(ref string) string {
		m := refPattern.FindStringSubmatch(ref)
		got, err := resolveOne(m[1], m[2], env)
		if err != nil && first == nil {
			first = err
		}
		return got
	})
	return out, first
}

func resolveOne(provider, arg string, env func(string) (string, bool)) (string, error) {
	switch provider {
	case "env":
		v, ok := env(arg)
		if !ok {
			return "", fmt.Errorf("${env:%s}: the environment variable is not set", arg)
		}
		return v, nil
	case "file":
		i := strings.LastIndex(arg, ":")
		if i < 0 {
			return "", fmt.Errorf("${file:%s}: want ${file:PATH:KEY}", arg)
		}
		props, err := readProperties(arg[:i])
		if err != nil {
			return "", fmt.Errorf("${file:%s}: %w", arg, err)
		}
		v, ok := props[arg[i+1:]]
		if !ok {
			return "", fmt.Errorf("${file:%s}: %s has no key %q", arg, arg[:i], arg[i+1:])
		}
		return v, nil
	case "dir":
		i := strings.LastIndex(arg, ":")
		if i < 0 {
			return "", fmt.Errorf("${dir:%s}: want ${dir:DIRECTORY:FILE}", arg)
		}
		b, err := os.ReadFile(filepath.Join(arg[:i], arg[i+1:]))
		if err != nil {
			return "", fmt.Errorf("${dir:%s}: %w", arg, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", fmt.Errorf("${%s:...}: chaosrun resolves the env, file and dir config providers only", provider)
}

// readProperties reads key=value (or key: value) lines; # and ! comment.
func readProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			out[line] = ""
			continue
		}
		out[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	return out, sc.Err()
}

// ParseSecurity maps the Java client's security settings onto TLS and SASL,
// resolving config-provider references with env. Every problem is
// returned, each at its setting by its Java name; a setting it does not
// know is one.
func ParseSecurity(settings map[string]string, env func(string) (string, bool)) (Security, problem.List) {
	var errs problem.List
	bad := func(k, format string, a ...any) {
		errs = append(errs, problem.Problem{Field: k, Msg: fmt.Sprintf(format, a...)})
	}
	v := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if !slices.Contains(Keys, k) {
			bad(k, "not a security setting chaosrun knows (known: %s)", strings.Join(Keys, ", "))
			continue
		}
		if k == "sasl.jaas.config" {
			v[k] = settings[k] // its references are resolved per option: a resolved " must not end a value
			continue
		}
		r, err := Resolve(settings[k], env)
		if err != nil {
			bad(k, "%v", err)
			continue
		}
		v[k] = r
	}
	var sec Security
	sec.Protocol = strings.ToUpper(cmp.Or(v["security.protocol"], "PLAINTEXT"))
	useTLS, useSASL := false, false
	switch sec.Protocol {
	case "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		bad("security.protocol", "%q: want PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", v["security.protocol"])
	}
	if useTLS {
		cfg, tlsErrs := tlsConfig(v)
		errs = append(errs, tlsErrs...)
		sec.TLS = cfg
	} else {
		for _, k := range Keys {
			if strings.HasPrefix(k, "ssl.") && settings[k] != "" {
				bad(k, "set, but security.protocol is %s: TLS is not used", sec.Protocol)
			}
		}
	}
	if useSASL {
		mech, err := saslMechanism(v, env)
		if err != nil {
			errs = append(errs, *err)
		}
		sec.SASL = mech
	} else {
		for _, k := range []string{"sasl.mechanism", "sasl.jaas.config"} {
			if settings[k] != "" {
				bad(k, "set, but security.protocol is %s: SASL is not used", sec.Protocol)
			}
		}
	}
	return sec, errs
}

// jaasPattern finds the username="..." and password="..." options of a
// JAAS line; inside the quotes \" and \\ are escapes.
var jaasPattern = regexp.MustCompile(`(?:^|\s)(username|password)\s*=\s*"((?:[^"\\]|\\.)*)"`)

var jaasUnescape = strings.NewReplacer(`\"`, `"`, `\\`, `\`)

func saslMechanism(v map[string]string, env func(string) (string, bool)) (sasl.Mechanism, *problem.Problem) {
	mech := strings.ToUpper(cmp.Or(v["sasl.mechanism"], "GSSAPI"))
	var user, pass string
	var seen int
	for _, m := range jaasPattern.FindAllStringSubmatch(v["sasl.jaas.config"], -1) {
		val, err := Resolve(jaasUnescape.Replace(m[2]), env)
		if err != nil {
			return nil, &problem.Problem{Field: "sasl.jaas.config", Msg: err.Error()}
		}
		if m[1] == "username" {
			user = val
		} else {
			pass = val
		}
		seen++
	}
	switch mech {
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		return nil, &problem.Problem{Field: "sasl.mechanism", Msg: fmt.Sprintf("%q: chaosrun's clients speak PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (GSSAPI and OAUTHBEARER are not supported)", mech)}
	}
	if user == "" || seen < 2 {
		return nil, &problem.Problem{Field: "sasl.jaas.config", Msg: `want a login module line with username="..." and password="..." (values may be ${env:NAME}, ${file:PATH:KEY} or ${dir:DIR:FILE})`}
	}
	switch mech {
	case "PLAIN":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	default:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
}

func tlsConfig(v map[string]string) (*tls.Config, problem.List) {
	var errs problem.List
	bad := func(k, format string, a ...any) {
		errs = append(errs, problem.Problem{Field: k, Msg: fmt.Sprintf(format, a...)})
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	for _, k := range []string{"ssl.truststore.type", "ssl.keystore.type"} {
		if t := v[k]; t != "" && !strings.EqualFold(t, "PEM") {
			bad(k, "%q: only PEM stores are read; convert a JKS or PKCS12 store with keytool or openssl", t)
		}
	}
	if v["ssl.truststore.certificates"] != "" && v["ssl.truststore.location"] != "" {
		bad("ssl.truststore.certificates", "set together with ssl.truststore.location: give the CA certificates one way")
	}
	if v["ssl.keystore.location"] != "" && (v["ssl.keystore.certificate.chain"] != "" || v["ssl.keystore.key"] != "") {
		bad("ssl.keystore.location", "set together with ssl.keystore.certificate.chain or ssl.keystore.key: give the client certificate one way")
	}
	// Trust: the CA certificates, else the system's.
	var caPEM string
	caField := "ssl.truststore.location"
	switch {
	case v["ssl.truststore.certificates"] != "":
		caPEM, caField = v["ssl.truststore.certificates"], "ssl.truststore.certificates"
	case v["ssl.truststore.location"] != "":
		b, err := os.ReadFile(v["ssl.truststore.location"])
		if err != nil {
			bad("ssl.truststore.location", "%v", err)
		}
		caPEM = string(b)
	}
	if caPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			bad(caField, "no PEM certificate found")
		}
		cfg.RootCAs = pool
	}
	// Client certificate: a chain and a key, inline or in one PEM file.
	chain, key := v["ssl.keystore.certificate.chain"], v["ssl.keystore.key"]
	keyField := "ssl.keystore.key"
	if loc := v["ssl.keystore.location"]; loc != "" {
		keyField = "ssl.keystore.location"
		b, err := os.ReadFile(loc)
		if err != nil {
			bad("ssl.keystore.location", "%v", err)
		}
		chain, key = string(b), string(b)
	}
	if chain != "" || key != "" {
		if blk, _ := pem.Decode([]byte(key)); blk != nil && strings.Contains(blk.Type, "ENCRYPTED") {
			bad(keyField, "the private key is encrypted; chaosrun reads unencrypted PEM keys only")
		} else if cert, err := tls.X509KeyPair([]byte(chain), []byte(key)); err != nil {
			bad(keyField, "client certificate and key: %v", err)
		} else {
			cfg.Certificates = []tls.Certificate{cert}
		}
	}
	switch alg := v["ssl.endpoint.identification.algorithm"]; strings.ToLower(alg) {
	case "https":
	case "":
		if _, set := v["ssl.endpoint.identification.algorithm"]; set {
			// Java's "" keeps the chain check and drops the host name check.
			cfg.InsecureSkipVerify = true
			cfg.VerifyConnection = verifyChainOnly(cfg.RootCAs)
		}
	default:
		bad("ssl.endpoint.identification.algorithm", "%q: want https or empty (no host name check)", alg)
	}
	return cfg, errs
}

// verifyChainOnly checks the broker's chain against roots without its name.
func verifyChainOnly(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("the broker sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}

// String names the protocol and SASL mechanism, never a credential.
func (s Security) String() string {
	out := s.Protocol
	if s.SASL != nil {
		out += " (" + s.SASL.Name() + ")"
	}
	return out
}
