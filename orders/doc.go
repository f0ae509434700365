// Package orders is the record format every workload shares: the key modes,
// order ids, the identity headers and their allocation-free decoder, and the
// dishes derived from an order id. A record decodes into the ledger's Event.
package orders
