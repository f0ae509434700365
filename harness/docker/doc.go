// Package docker is the docker runtime: each broker a container created
// through testcontainers-go, from the official image or one package
// kafkaimage builds offline, on networks it can cut a node off (it is a
// harness.Partitioner). Kind registers it, with the cleanup of dead runs'
// containers and networks, in package runtimes.
package docker
