// Package external is the external runtime: it attaches to a Kafka cluster
// someone else runs (Attach), puts a proxy in front of each broker it finds
// in the cluster's metadata, and acts on a broker only through the user's
// hook commands (Hooks), leaving the brokers as it found them. Kind
// registers it in package runtimes; its abilities are the hooks given.
//
// From this module it imports harness, kafkaconn and internal helpers.
package external
