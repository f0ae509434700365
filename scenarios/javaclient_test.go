package scenarios

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/runner"
	"github.com/chaosrun/chaosrun/spec"
)

// On client: java every setting goes to the Java client untouched, and the
// Java client judges them before any cluster starts: what it refuses is bad
// input at the setting's line, in its own words.
func TestJavaClientJudgesTheSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs the Java client; skipped under -short")
	}
	s, err := spec.Parse("bad.yaml", []byte(`name: t
workload:
  client: java
  producer:
    acks: most
    linger.mss: "5"
    delivery.timeout.ms: "1000"
consumer:
  config:
    auto.offset.reset: middle
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = runner.Run(context.Background(), s, runner.Options{Runtime: "process"})
	var bad *spec.Errors
	if !errors.As(err, &bad) {
		t.Fatalf("want bad input, got %v", err)
	}
	for _, want := range []string{
		"bad.yaml:5:5: workload.producer.acks: refused by the Java client: Invalid value most for configuration acks",
		"bad.yaml:6:5: workload.producer.linger.mss: refused by the Java client: not a setting of the Java client",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	// Once the names are right, the combination is judged too.
	s, _ = spec.Parse("bad.yaml", []byte(`name: t
workload:
  client: java
  producer:
    delivery.timeout.ms: "1000"
`))
	_, err = runner.Run(context.Background(), s, runner.Options{Runtime: "process"})
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:5:5: workload.producer.delivery.timeout.ms: refused by the Java client: delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms") {
		t.Errorf("delivery.timeout.ms below linger.ms + request.timeout.ms: got %v", err)
	}
}
