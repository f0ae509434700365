package spec

import (
	"os"
	"strings"
	"testing"
)

// The README's scenario format example must itself be a valid scenario.
func TestReadmeExampleParses(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), "### Scenario format")
	if !ok {
		t.Fatal("README has no scenario format section")
	}
	_, block, ok := strings.Cut(after, "```yaml\n")
	if !ok {
		t.Fatal("no yaml block in the scenario format section")
	}
	block, _, _ = strings.Cut(block, "```")
	if _, err := Parse("README.md example", []byte(block)); err != nil {
		t.Fatalf("the README's example is refused:\n%v", err)
	}
}
