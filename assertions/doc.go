// Package assertions is the judge of a run. A Ledger records what happened to
// every send (acked, failed or unknown), every record the consumer group
// processed, the group's lag and what the log held in the final drain; Verify
// then turns that ledger into verdicts with the evidence behind them.
//
// The ledger is sized for millions of records: sequences are kept per producer
// as compact sets of runs, per-order state is dropped once an order is final,
// and nothing on the hot paths allocates in steady state.
package assertions
