// Package orders is the record format every workload shares: the key modes,
// order ids, the identity headers and their allocation-free decoder, and the
// dishes derived from an order id. From the module it imports assertions
// (the Event a record decodes into).
package orders
