// Package runner runs one scenario end to end: cluster up, topic, consumer
// group, lag sampler, producers and the fault schedule; then heal, settle,
// drain, judge, and one result.Result. It wires harness (through the
// runtimes registry), the workload packages (load, kitchen, kitchendb,
// orderservice, drain), faults, assertions and reports together; capacity
// wires them too, around runner, for its own searches.
package runner
