package docker

import (
	"flag"
	"os"
	"testing"
)

// TestMain turns docker off under -short: unit tests then see no daemon,
// whatever the machine runs.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		dockerOff = "tests run with -short"
	}
	os.Exit(m.Run())
}
