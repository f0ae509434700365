// Package harness is the runtime-agnostic Kafka cluster: Start puts an
// in-process toxiproxy proxy in front of every broker of a KRaft cluster a
// Runtime runs, and clients reach the brokers only through them; Adopt
// does the same for a cluster someone else runs (package harness/external
// finds its brokers and acts on them through the user's hooks).
//
// Where and how the broker JVMs run is a Runtime's business: the runtimes
// are packages of their own (harness/process, harness/docker,
// harness/external), and package runtimes registers them. What they share
// lives here: the Runtime contract and its optional abilities
// (Partitioner, HookRunner), the registry's types (RuntimeKind, Ability),
// the node state machine (Lifecycle), the run dir and its lock (RunBase),
// the options and JVM flags of runtimes that run JVMs (RunOptions),
// server.properties, the Kafka jars (KafkaLibs) and the cleanup of dead
// runs' dirs and marked processes (CleanLeftovers).
//
// Every address is fixed before anything starts: proxy ports by Start,
// broker ports by Runtime.Plan. A stopped or killed node restarts on the
// same ports with its data, so clients and proxies need no reconfiguration.
//
// From this module it imports only kafkaconn and internal helpers; the
// runtime packages, runtimes, faults, runner and the rest import it.
package harness
