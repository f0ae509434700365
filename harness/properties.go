package harness

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// Listener names used in every node's server.properties.
const (
	listenerClient     = "CLIENT"
	listenerInternal   = "INTERNAL"
	listenerController = "CONTROLLER"
)

// reservedKeys are owned by the harness: they wire listeners, proxies and
// the quorum, so user overrides would break the cluster.
var reservedKeys = []string{
	"listeners",
	"advertised.listeners",
	"node.id",
	"process.roles",
	"controller.quorum.voters",
	"log.dirs",
	"log.dir",
	"broker.id",
	"listener.security.protocol.map",
	"inter.broker.listener.name",
	"controller.listener.names",
}

// ReservedBrokerKeys lists the server.properties keys the harness sets itself
// and rejects as overrides.
func ReservedBrokerKeys() []string { return slices.Clone(reservedKeys) }

// ValidateBrokerConfig rejects overrides of reserved keys and empty keys,
// each at field "broker config".
func ValidateBrokerConfig(overrides map[string]string) problem.List {
	var bad []string
	for k := range overrides {
		if strings.TrimSpace(k) == "" {
			return problem.List{{Field: brokerConfigField, Msg: "empty key"}}
		}
		if slices.Contains(reservedKeys, k) || k == "log.dir" {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return problem.List{{Field: brokerConfigField, Msg: fmt.Sprintf("keys %s are set by the harness and cannot be overridden", strings.Join(bad, ", "))}}
	}
	return nil
}

// brokerConfigField names Config.BrokerConfig and NodeSpec.Overrides in problems.
const brokerConfigField = "broker config"

// NodeAddrs are one node's listener addresses as a runtime lays them out.
type NodeAddrs struct {
	ClientBind           string // CLIENT listener bind host:port
	InternalBind         string // INTERNAL listener bind host:port
	InternalAdvertised   string // how peer brokers reach INTERNAL
	ControllerBind       string // CONTROLLER bind host:port; empty if broker-only
	ControllerAdvertised string // how peers reach CONTROLLER (quorum voters)
}

// QuorumVoters renders controller.quorum.voters for the controller nodes.
func QuorumVoters(specs []NodeSpec, addrs map[int32]NodeAddrs) string {
	var voters []string
	for _, s := range specs {
		if s.Controller {
			voters = append(voters, fmt.Sprintf("%d@%s", s.ID, addrs[s.ID].ControllerAdvertised))
		}
	}
	return strings.Join(voters, ",")
}

// BrokerProperties builds a node's effective server.properties: harness
// wiring, then defaults sized for the cluster, then the spec's overrides.
func BrokerProperties(spec NodeSpec, a NodeAddrs, voters, dataDir string) map[string]string {
	n := max(spec.ClusterSize, 1)
	p := map[string]string{
		// Small clusters cannot satisfy Kafka's RF 3 / min ISR 2 defaults.
		"offsets.topic.replication.factor":                 strconv.Itoa(min(3, n)),
		"transaction.state.log.replication.factor":         strconv.Itoa(min(3, n)),
		"transaction.state.log.min.isr":                    strconv.Itoa(min(2, n)),
		"share.coordinator.state.topic.replication.factor": strconv.Itoa(min(3, n)),
		"share.coordinator.state.topic.min.isr":            strconv.Itoa(min(2, n)),
		// Tests should not wait 3 s for the first rebalance.
		"group.initial.rebalance.delay.ms": "0",
	}
	for k, v := range spec.Overrides {
		p[k] = v
	}
	for k, v := range wiringProperties(spec, a, voters, dataDir) {
		p[k] = v
	}
	return p
}

// wiringProperties are the reserved keys: roles, listeners, quorum, storage.
func wiringProperties(spec NodeSpec, a NodeAddrs, voters, dataDir string) map[string]string {
	listeners := []string{
		listenerClient + "://" + a.ClientBind,
		listenerInternal + "://" + a.InternalBind,
	}
	roles := "broker"
	if spec.Controller {
		roles = "broker,controller"
		listeners = append(listeners, listenerController+"://"+a.ControllerBind)
	}
	return map[string]string{
		"process.roles":            roles,
		"node.id":                  strconv.Itoa(int(spec.ID)),
		"controller.quorum.voters": voters,
		"listeners":                strings.Join(listeners, ","),
		"advertised.listeners": listenerClient + "://" + spec.ClientAdvertised + "," +
			listenerInternal + "://" + a.InternalAdvertised,
		"listener.security.protocol.map": listenerClient + ":PLAINTEXT," +
			listenerInternal + ":PLAINTEXT," + listenerController + ":PLAINTEXT",
		"inter.broker.listener.name": listenerInternal,
		"controller.listener.names":  listenerController,
		"log.dirs":                   dataDir,
	}
}
