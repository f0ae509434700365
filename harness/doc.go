// Package harness starts a real Apache Kafka KRaft cluster whose brokers are
// reached by clients only through in-process toxiproxy proxies, and tears it
// down again.
//
// The cluster logic (Start, Cluster) is runtime-agnostic: where and how the
// broker JVMs run is the business of a Runtime. ProcessRuntime runs them as
// local child processes from Maven-resolved (or KAFKA_HOME) jars.
//
// Data flow: harness is first (harness → workloads → faults → assertions →
// reports) and imports nothing else from this module.
package harness
