// Package process is the process runtime: each broker a local JVM child
// process (Linux-only), started from the Kafka jars package harness
// resolves, with its files under the run dir harness.RunBase keeps. A JVM
// carries its run's markers, so a later run's cleanup kills it if this run
// dies. Kind registers it in package runtimes.
//
// From this module it imports harness and internal helpers.
package process
