// Package harness starts a real Apache Kafka KRaft cluster whose brokers are
// reached by clients only through in-process toxiproxy proxies, and tears it
// down again.
//
// The cluster logic (Start, Cluster) is runtime-agnostic: where and how the
// broker JVMs run is the business of a Runtime. ProcessRuntime runs them as
// local child processes from Maven-resolved (or KAFKA_HOME) jars; it and
// CleanLeftovers are Linux-only (/proc, flock, Pdeathsig). DockerRuntime
// runs them as containers through testcontainers-go, from the official
// image or one package kafkaimage builds offline; it is also a Partitioner,
// which Cluster.Isolate and Rejoin need. DockerAvailable tells whether it
// can run.
//
// Every address is fixed before anything starts: proxy ports by Start,
// broker ports by Runtime.Plan. A stopped or killed node restarts on the
// same ports with its data, so clients and proxies need no reconfiguration.
//
// Data flow: harness is first (harness → workloads → faults → assertions →
// reports) and imports nothing else from this module.
package harness
