// Package scenarios holds the shipped scenario files and the Go tests that
// run them against real Kafka: `go test ./scenarios/...` runs every scenario
// (slow, skipped under -short) and checks each met its expectation.
package scenarios
