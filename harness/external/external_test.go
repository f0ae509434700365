package external

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaosrun/chaosrun/harness"
	"github.com/chaosrun/chaosrun/internal/problem"
	"github.com/chaosrun/chaosrun/kafkaconn"
)

// testCA makes a CA and a server certificate for 127.0.0.1, and writes the
// CA's PEM to a file.
func testCA(t *testing.T) (server tls.Certificate, caFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.crt")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}

// An external cluster with TLS and SCRAM is found from one bootstrap
// address, every broker gets a proxy, and clients reach it only through
// them, with the certificate checked against the advertised name. Hooks
// run with the node templated in, and their output is kept.
func TestAttachThroughProxiesWithTLSAndSASL(t *testing.T) {
	cert, caFile := testCA(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}}),
		kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "alice", "hunter2"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sec, errs := kafkaconn.ParseSecurity(map[string]string{
		"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-256",
		"sasl.jaas.config":        `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${env:TEST_PW}";`,
		"ssl.truststore.type":     "PEM",
		"ssl.truststore.location": caFile,
	}, func(k string) (string, bool) { return "hunter2", k == "TEST_PW" })
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ctx := context.Background()
	cl, err := Attach(ctx, Options{Bootstrap: c.ListenAddrs()[:1], Security: sec, Hooks: Hooks{Commands: map[HookAction]string{
		HookKill:  "echo killing {{.Node}} at {{.Host}}; echo node=$CHAOSRUN_NODE",
		HookStart: "echo starting {{.Node}}; exit 3",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := cl.RunDir()
	if ids := cl.NodeIDs(); len(ids) != 3 {
		t.Fatalf("brokers %v, want 3", ids)
	}
	conn := cl.Conn()
	for _, id := range cl.NodeIDs() {
		up := cl.NodeConfigs()[id]
		if len(up) == 0 {
			t.Errorf("broker %d: no configuration read", id)
		}
		if up := routedTo(conn.Route, cl.Addr(id)); !slices.Contains(c.ListenAddrs(), up) {
			t.Errorf("broker %d: route %v does not lead to its proxy %s", id, conn.Route, cl.Addr(id))
		}
	}
	client, err := conn.NewClient(kgo.DefaultProduceTopic("t"), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kadm.NewClient(client).CreateTopic(ctx, 3, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		if err := client.ProduceSync(ctx, &kgo.Record{Key: []byte{byte(i)}, Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatalf("produce through the proxies: %v", err)
		}
	}
	client.Close()

	// With every proxy down, nothing reaches the cluster: no path around them.
	for _, id := range cl.NodeIDs() {
		cl.Proxy(id).Stop()
	}
	fresh, _ := conn.NewClient(kgo.DialTimeout(time.Second), kgo.RequestRetries(0))
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err = kadm.NewClient(fresh).BrokerMetadata(actx)
	cancel()
	fresh.Close()
	if err == nil {
		t.Error("metadata answered with every proxy down")
	}

	if err := cl.Kill(ctx, 1); err != nil {
		t.Fatalf("kill hook: %v", err)
	}
	if st, _ := cl.State(1); st != harness.StateStopped {
		t.Errorf("state after kill: %s", st)
	}
	err = cl.Start(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "starting 1") {
		t.Errorf("a failing start hook: %v", err)
	}
	if err := cl.Pause(ctx, 1); err == nil || !strings.Contains(err.Error(), "no pause hook") {
		t.Errorf("a missing hook: %v", err)
	}
	runs := cl.Hooks()
	if len(runs) != 2 || runs[0].Output != "killing 1 at 127.0.0.1 | node=1" || runs[0].Err != "" || runs[1].Err == "" {
		t.Errorf("hook history: %+v", runs)
	}
	if err := cl.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("run dir %s still there after Close: %v", dir, err)
	}
}

// A hook past its timeout is killed with its children.
func TestHookTimeout(t *testing.T) {
	r := &hookRunner{hooks: Hooks{Timeout: 300 * time.Millisecond, Commands: map[HookAction]string{HookStop: "sleep 30 & wait"}}}
	begin := time.Now()
	err := r.run(context.Background(), HookStop, 2, "h", 1)
	if err == nil || !strings.Contains(err.Error(), "timed out") || time.Since(begin) > 10*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(begin))
	}
}

func TestHooksCheckAndAbilities(t *testing.T) {
	h := Hooks{Commands: map[HookAction]string{HookKill: "k {{.Node}}", HookStart: "s {{.Nod}}", HookPause: "p {{", "explode": "x"}}
	got := h.Check()
	if want := []string{"explode", "pause", "start"}; !slices.Equal(problemFields(got), want) {
		t.Errorf("Check: %v, want problems at %v", got, want)
	}
	if !h.Has(harness.AbilityKill) || h.Has(harness.AbilityPause) || h.Has(harness.AbilityStop) {
		t.Errorf("Has: kill %v pause %v stop %v", h.Has(harness.AbilityKill), h.Has(harness.AbilityPause), h.Has(harness.AbilityStop))
	}
}

// routedTo is the broker address the route sends through proxy.
func routedTo(route map[string]string, proxy string) string {
	for up, px := range route {
		if px == proxy {
			return up
		}
	}
	return ""
}

// problemFields lists where each problem is, in order.
func problemFields(ps problem.List) []string {
	fields := make([]string, len(ps))
	for i, p := range ps {
		fields[i] = p.Field
	}
	return fields
}
