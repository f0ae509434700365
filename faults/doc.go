// Package faults disturbs a running scenario on a schedule: broker kills,
// stops, pauses and restarts, toxiproxy network toxics on brokers' client
// proxies, and consumer crashes. One family per file; the registry in
// fault.go maps scenario type names to fault values whose yaml tags are their
// parameters. Actual inject and heal times go on the timeline.
package faults
