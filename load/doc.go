// Package load is the load generator: open-model producers (franz-go or the
// Java client) that send order events on a schedule of phases (steady, ramp,
// flood: a Kind per file, listed in phases.go), optionally in transactions,
// with poisoned records and producer crashes on request. Every send ends
// acked, failed or unknown, reported to an Outcomes (the ledger); it judges
// nothing itself.
package load
