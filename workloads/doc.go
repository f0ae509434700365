// Package workloads drives the order workload against a running cluster:
// open-model producers whose every send ends acked, failed or unknown, the
// "kitchen display" consumer group that writes orders to a database, the lag
// sampler, and the final drain that reads back what the log really holds.
// It reports what happens to the assertions ledger; it judges nothing itself.
package workloads
