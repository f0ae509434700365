// Package harness starts a real Apache Kafka KRaft cluster whose brokers are
// reached by clients only through in-process toxiproxy proxies, and tears it
// down again; or attaches to a cluster someone else runs (Attach, with the
// user's hook commands for broker faults).
//
// The cluster logic (Start, Cluster) is runtime-agnostic: where and how the
// broker JVMs run is the business of a Runtime. What every runtime shares
// lives here too: the node state machine (Lifecycle), the run dir and its
// lock (RunBase), server.properties, the Kafka jars (KafkaLibs) and the
// cleanup of dead runs' dirs and marked processes (CleanLeftovers). The
// process runtime (ProcessRuntime: local JVMs, Linux-only) is here; the
// docker one is package harness/docker; package runtimes lists them all.
//
// Every address is fixed before anything starts: proxy ports by Start,
// broker ports by Runtime.Plan. A stopped or killed node restarts on the
// same ports with its data, so clients and proxies need no reconfiguration.
//
// From this module it imports only kafkaconn and internal helpers; the
// runtime packages, runtimes, faults, runner and the rest import it.
package harness
