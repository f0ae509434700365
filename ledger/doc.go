// Package ledger records a run: what happened to every send (acked, failed or
// unknown), every record the consumer group processed, the group's lag and
// membership, and what the log held in the final drain. Read hands the
// recorded facts to a judge; the ledger itself passes no verdict.
//
// The ledger is sized for millions of records: sequences are kept per producer
// as compact sets of runs (internal/seqset), per-order state is dropped once
// an order is final, and nothing on the hot paths allocates in steady state.
package ledger
