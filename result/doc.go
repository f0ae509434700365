// Package result is the record of one run: the Result model stored as
// result.json (schema chaosrun.result/v1), and the judging of it against the
// scenario's expectation (Judge, Unmet, StandingOf, BrokenVerdicts).
//
// It renders nothing; reports, thresholds, gate and capacity read it. It
// converts the verdicts of assertions and the ledger's figures into its own
// types.
package result
