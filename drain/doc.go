// Package drain reads back what the log really holds at the end of a run
// (the orders topic, its dead-letter and output topics) and samples the
// consumer group's lag during it, both reported to the ledger.
package drain
