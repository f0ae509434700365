package spec

import (
	"os"
	"strings"
	"testing"

	"github.com/chaosrun/chaosrun/runtimes"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/workloads"
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

// The README documents every registered member of every family: a fault,
// assertion, threshold, runtime or sink added without its docs fails here.
func TestReadmeDocumentsEveryFamilyMember(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, name := range assertions.Names() {
		if !strings.Contains(doc, "| `"+name+"` |") {
			t.Errorf("README's assertion table has no row for %s", name)
		}
	}
	for _, th := range assertions.Thresholds() {
		if !strings.Contains(doc, "  "+th.Key+":") {
			t.Errorf("README's scenario example does not show assertions.%s", th.Key)
		}
	}
	for _, kind := range faults.Kinds() {
		if !strings.Contains(doc, "| `"+kind+"` |") {
			t.Errorf("README's fault table has no row for %s", kind)
		}
	}
	for _, k := range runtimes.Kinds() {
		if !strings.Contains(doc, "- **"+k.Name+"**") {
			t.Errorf("README's runtime list does not describe %s", k.Name)
		}
	}
	for _, name := range workloads.SinkNames() {
		if !strings.Contains(doc, "type: "+name) {
			t.Errorf("README does not show sink type %s", name)
		}
	}
}
