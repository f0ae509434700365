// Package clientconf turns a scenario's client settings, written with the
// Apache Kafka Java client's names, into franz-go options (or refuses them),
// wires the same settings to the Java client's processes, and tallies the
// errors either client reports.
package clientconf
