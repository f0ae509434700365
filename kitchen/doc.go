// Package kitchen is the kitchen display: a consumer group (franz-go or the
// Java client) that looks each order up in the order service and writes it to
// the kitchen database, under a failure policy (block, skip, retry-table,
// dead-letter: a Policy per file, listed in policy.go), with manual,
// transactional or at-least-once commits (commitmodes.go), and the foreign
// consumers of another environment. It reports every processing to the
// ledger and judges nothing itself.
package kitchen
