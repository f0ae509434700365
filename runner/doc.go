// Package runner runs one scenario end to end: cluster up, topic, consumer
// group, lag sampler, producers and the fault schedule; then heal, settle,
// drain, judge, and one reports.Result. It wires harness (through the
// runtimes registry), workloads, faults, assertions and reports together;
// capacity wires them too, around runner, for its own searches.
package runner
