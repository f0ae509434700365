// Package freeport picks loopback ports that are free now and were never
// handed out before in this process: for brokers, proxies and servers a
// run starts.
package freeport
