package harness

import (
	"strings"
	"testing"
)

func testAddrs() map[int32]NodeAddrs {
	return map[int32]NodeAddrs{
		1: {ClientBind: "127.0.0.1:1001", InternalBind: "127.0.0.1:1002", InternalAdvertised: "127.0.0.1:1002",
			ControllerBind: "127.0.0.1:1003", ControllerAdvertised: "127.0.0.1:1003"},
		2: {ClientBind: "127.0.0.1:2001", InternalBind: "127.0.0.1:2002", InternalAdvertised: "127.0.0.1:2002"},
	}
}

func TestBrokerPropertiesCombinedNode(t *testing.T) {
	specs := []NodeSpec{
		{ID: 1, Controller: true, ClientAdvertised: "127.0.0.1:9001", ClusterSize: 2,
			Overrides: map[string]string{"num.partitions": "6", "offsets.topic.replication.factor": "1"}},
		{ID: 2, ClientAdvertised: "127.0.0.1:9002", ClusterSize: 2},
	}
	voters := QuorumVoters(specs, testAddrs())
	if voters != "1@127.0.0.1:1003" {
		t.Fatalf("voters = %q", voters)
	}
	p := BrokerProperties(specs[0], testAddrs()[1], voters, "/d1")
	want := map[string]string{
		"process.roles":                            "broker,controller",
		"node.id":                                  "1",
		"controller.quorum.voters":                 "1@127.0.0.1:1003",
		"listeners":                                "CLIENT://127.0.0.1:1001,INTERNAL://127.0.0.1:1002,CONTROLLER://127.0.0.1:1003",
		"advertised.listeners":                     "CLIENT://127.0.0.1:9001,INTERNAL://127.0.0.1:1002",
		"listener.security.protocol.map":           "CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"inter.broker.listener.name":               "INTERNAL",
		"controller.listener.names":                "CONTROLLER",
		"log.dirs":                                 "/d1",
		"num.partitions":                           "6",
		"offsets.topic.replication.factor":         "1", // override wins over the default
		"transaction.state.log.replication.factor": "2",
		"transaction.state.log.min.isr":            "2",
		"group.initial.rebalance.delay.ms":         "0",
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q", k, p[k], v)
		}
	}
}

func TestBrokerPropertiesBrokerOnlyNode(t *testing.T) {
	spec := NodeSpec{ID: 2, ClientAdvertised: "127.0.0.1:9002", ClusterSize: 1}
	p := BrokerProperties(spec, testAddrs()[2], "1@127.0.0.1:1003", "/d2")
	if p["process.roles"] != "broker" {
		t.Errorf("process.roles = %q", p["process.roles"])
	}
	if strings.Contains(p["listeners"], "CONTROLLER") {
		t.Errorf("broker-only node listens as controller: %q", p["listeners"])
	}
	if p["offsets.topic.replication.factor"] != "1" || p["transaction.state.log.min.isr"] != "1" {
		t.Errorf("replication defaults not sized for 1 node: %v", p)
	}
}

func TestValidateBrokerConfigRejectsReservedKeys(t *testing.T) {
	for _, k := range append(ReservedBrokerKeys(), "log.dir") {
		err := ValidateBrokerConfig(map[string]string{k: "x", "num.partitions": "3"}).Err()
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s: err = %v, want a rejection naming it", k, err)
		}
	}
	if err := ValidateBrokerConfig(map[string]string{"num.partitions": "3"}); err != nil {
		t.Errorf("plain override rejected: %v", err)
	}
	if err := ValidateBrokerConfig(map[string]string{" ": "3"}); err == nil {
		t.Error("empty key accepted")
	}
}
