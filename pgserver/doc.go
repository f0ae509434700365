// Package pgserver starts a real PostgreSQL server for one run, from the
// machine's own installation, in the run's directory. It imports only
// internal helpers; its processes carry the run markers package procs
// finds, so a dead run's server is killed by the next run's cleanup
// (Clean, which the kitchendb sink kind carries).
package pgserver
