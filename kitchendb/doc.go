// Package kitchendb is the kitchen display's database: the KitchenDB
// interface, its sink kinds (SQLite, PostgreSQL) in one registry, the retry
// table, and the read-back of the rows at the end of a run. From the module
// it imports orders and assertions.
package kitchendb
