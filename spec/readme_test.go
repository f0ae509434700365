package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/kitchendb"
	"github.com/chaosrun/chaosrun/runtimes"
)

// The README and the reference it links to: every Markdown file a reader
// reaches from the README, relative to this package's directory.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"../README.md", "../scenarios/incidents/README.md"}
	for _, pattern := range []string{"../docs/*.md", "../docs/*/*.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found only %v: the reference under docs/ is missing", files)
	}
	return files
}

func readDoc(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fenced returns the bodies of the ```lang blocks of a Markdown text.
func fenced(doc, lang string) []string {
	var blocks []string
	for {
		_, after, ok := strings.Cut(doc, "```"+lang+"\n")
		if !ok {
			return blocks
		}
		block, rest, _ := strings.Cut(after, "```")
		blocks = append(blocks, block)
		doc = rest
	}
}

// Every YAML block of the README and the docs is what it shows: a scenario
// (or a part of one) that Parse accepts, a cluster file LoadExternal accepts,
// or a gate's suite file that decodes as YAML.
func TestDocYAMLBlocksAreValid(t *testing.T) {
	scenarios := map[string]int{}
	for _, file := range docFiles(t) {
		for i, block := range fenced(readDoc(t, file), "yaml") {
			name := fmt.Sprintf("%s yaml block %d", strings.TrimPrefix(file, "../"), i+1)
			switch {
			case strings.HasPrefix(block, "suite:"):
				var v map[string]any
				if err := yaml.Unmarshal([]byte(block), &v); err != nil {
					t.Errorf("%s (a suite) does not decode: %v", name, err)
				}
			case strings.HasPrefix(block, "# cluster.yaml"):
				t.Run("cluster", func(t *testing.T) { checkClusterBlock(t, name, block) })
			default:
				if !regexp.MustCompile(`(?m)^name:`).MatchString(block) {
					block = "name: doc-example\n" + block
				} else {
					scenarios[file]++
				}
				if _, err := Parse(name, []byte(block)); err != nil {
					t.Errorf("%s is refused as a scenario:\n%v", name, err)
				}
			}
		}
	}
	for _, file := range []string{"../README.md", "../docs/scenarios.md"} {
		if scenarios[file] == 0 {
			t.Errorf("%s shows no whole scenario (a yaml block with its name:)", file)
		}
	}
}

// checkClusterBlock loads a cluster file shown in the docs as chaosrun would.
func checkClusterBlock(t *testing.T, name, block string) {
	t.Helper()
	dir := t.TempDir()
	for file, data := range map[string][]byte{"ca.crt": selfSigned(t), "cluster.yaml": []byte(block)} {
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir) // ./ca.crt is relative to where chaosrun runs
	t.Setenv("KAFKA_PASSWORD", "x")
	if _, err := LoadExternal(filepath.Join(dir, "cluster.yaml")); err != nil {
		t.Errorf("%s is refused as a cluster file:\n%v", name, err)
	}
}

// The README's scenario is the shipped file it says it is.
func TestReadmeScenarioIsTheShippedOne(t *testing.T) {
	want := readDoc(t, "../scenarios/leader-kill-safe.yaml")
	for _, block := range fenced(readDoc(t, "../README.md"), "yaml") {
		if block == want {
			return
		}
	}
	t.Error("README.md does not show scenarios/leader-kill-safe.yaml as it is")
}

// The docs document every registered member of every family: a fault,
// assertion, threshold, runtime or sink added without its docs fails here.
func TestDocsDocumentEveryFamilyMember(t *testing.T) {
	scenarios := readDoc(t, "../docs/scenarios.md")
	results := readDoc(t, "../docs/results.md")
	runtimesDoc := readDoc(t, "../docs/runtimes.md")
	for _, name := range assertions.Names() {
		if !strings.Contains(results, "| `"+name+"` |") {
			t.Errorf("docs/results.md's assertion table has no row for %s", name)
		}
	}
	for _, th := range assertions.Thresholds() {
		if !strings.Contains(scenarios, "  "+th.Key+":") {
			t.Errorf("docs/scenarios.md's scenario format does not show assertions.%s", th.Key)
		}
	}
	for _, kind := range faults.Kinds() {
		if !strings.Contains(scenarios, "| `"+kind+"` |") {
			t.Errorf("docs/scenarios.md's fault table has no row for %s", kind)
		}
	}
	for _, k := range runtimes.Kinds() {
		if !strings.Contains(runtimesDoc, "- **"+k.Name+"**") {
			t.Errorf("docs/runtimes.md's runtime list does not describe %s", k.Name)
		}
	}
	for _, name := range kitchendb.SinkNames() {
		if !strings.Contains(scenarios, "type: "+name) {
			t.Errorf("docs/scenarios.md does not show sink type %s", name)
		}
	}
}

// The README is the front door, not the reference: at most 300 lines.
func TestReadmeAtMost300Lines(t *testing.T) {
	if n := strings.Count(readDoc(t, "../README.md"), "\n"); n > 300 {
		t.Errorf("README.md has %d lines; at most 300: move reference into docs/", n)
	}
}

var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	fence     = regexp.MustCompile("(?ms)^```.*?^```")
)

// anchors are the GitHub anchors of a Markdown file's headings.
func anchors(doc string) map[string]bool {
	doc = fence.ReplaceAllString(doc, "")
	set := map[string]bool{}
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	for _, m := range mdHeading.FindAllStringSubmatch(doc, -1) {
		slug := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		set[slug] = true
	}
	return set
}

// Every relative link of the README and the docs points at a file that
// exists, and at a heading of it when it names one.
func TestDocLinksResolve(t *testing.T) {
	for _, file := range docFiles(t) {
		doc := fence.ReplaceAllString(readDoc(t, file), "")
		for _, m := range mdLink.FindAllStringSubmatch(doc, -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(link, "#")
			target := file
			if path != "" {
				target = filepath.Join(filepath.Dir(file), path)
				if _, err := os.Stat(target); err != nil {
					t.Errorf("%s links to %s, which does not exist", strings.TrimPrefix(file, "../"), link)
					continue
				}
			}
			if anchor != "" && strings.HasSuffix(target, ".md") && !anchors(readDoc(t, target))[anchor] {
				t.Errorf("%s links to %s, which has no heading #%s", strings.TrimPrefix(file, "../"), link, anchor)
			}
		}
	}
}
