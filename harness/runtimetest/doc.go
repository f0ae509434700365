// Package runtimetest holds no code: its tests run the same cluster checks
// on every runtime (process and docker), which neither runtime's package
// can import both of.
package runtimetest
