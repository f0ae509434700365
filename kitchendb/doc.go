// Package kitchendb is the kitchen display's database: the KitchenDB
// interface, its sink kinds (SQLite, PostgreSQL) in one registry, each
// owning its server's lifecycle (find, start, stop, clean, URL check), the
// retry table, and the read-back of the rows at the end of a run. From the
// module it imports orders, ledger, internal/problem and pgserver (the
// PostgreSQL kind's server).
package kitchendb
