// Package kitchen is the kitchen display: a consumer group (franz-go or the
// Java client) that looks each order up in the order service and writes it to
// the kitchen database, under a failure policy (a Policy per file, listed
// in policy.go: block, skip, retry-table,
// dead-letter), with manual, transactional or at-least-once commits, and the
// foreign consumers of another environment. It reports to the assertions
// ledger. From the module it imports orders, clientconf, kitchendb,
// orderservice, assertions, kafkaconn and javaclient.
package kitchen
