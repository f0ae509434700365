// Package orderservice is the order system's query service the kitchen
// display looks orders up in (an HTTP server with a limited pool and a lagging
// replica) and its client, Lookup.
package orderservice
