// Package runner runs one scenario end to end: cluster up, topic, consumer
// group, lag sampler, producers and the fault schedule; then heal, settle,
// drain, judge, and one result.Result. It is the only package that wires
// harness, the workload packages (load, kitchen, kitchendb, orderservice,
// drain), faults, assertions and reports together.
package runner
