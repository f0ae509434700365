// Package runtimes is the registry of the runtimes a cluster's brokers can
// run on, the external (attached) one included: each with its abilities
// and its cleanup. It imports harness and every runtime package, so they
// need not know each other; adding a runtime is its package plus one line
// in kinds. Its cleanup also runs each kitchendb sink kind's server
// cleanup, so a sink kind needs no line here.
package runtimes
