// Package assertions is the judge of a run: Catalog declares every verdict
// with its thresholds, and Verify turns the facts a ledger.Ledger recorded
// into verdicts with the evidence behind them.
package assertions
