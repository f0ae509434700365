package runner

import (
	"slices"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/spec"
)

const clientsScenario = `name: clients
workload:
  producer:
    acks: all
    transactional.id: tx
consumer:
  instances: 2
  config:
    max.poll.records: "100"
`

// The runner compiles the settings itself: validation keeps nothing of them.
func TestCompileClients(t *testing.T) {
	s, err := spec.Parse("clients.yaml", []byte(clientsScenario))
	if err != nil {
		t.Fatal(err)
	}
	c, err := CompileClients(s)
	if err != nil {
		t.Fatal(err)
	}
	if c.Producer.Acks != "all" || !c.Producer.Idempotent || c.Producer.Resolved["acks"] != "all" {
		t.Errorf("producer: %+v", c.Producer)
	}
	if c.Consumer.MaxPollRecords != 100 || len(c.Consumer.Opts) == 0 {
		t.Errorf("consumer: %+v", c.Consumer)
	}
	if ids := c.transactionalIDs(s); !slices.Equal(ids, []string{"tx-0", "tx-1"}) {
		t.Errorf("transactional ids %v", ids)
	}
}

// A setting refused after validation (the scenario changed since) is bad
// input at its own line, as validation would have put it.
func TestCompileClientsRefusesAtTheLine(t *testing.T) {
	s, err := spec.Parse("clients.yaml", []byte(clientsScenario))
	if err != nil {
		t.Fatal(err)
	}
	s.Consumer.Config[0].Value = "none"
	_, err = CompileClients(s)
	if err == nil || !strings.Contains(err.Error(), "clients.yaml:9:5: consumer.config.max.poll.records: want an integer") {
		t.Fatalf("got %v", err)
	}
}
