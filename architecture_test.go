package chaosrun_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/chaosrun/chaosrun"

// packageImports maps every package directory of the module ("chaosrun"
// for the root) to the module packages its non-test files import, as
// directories.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	graph := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "." {
			dir = "chaosrun"
		}
		deps := graph[dir]
		if deps == nil {
			deps = []string{}
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if rel, ok := strings.CutPrefix(p, module+"/"); ok && !slices.Contains(deps, rel) {
				deps = append(deps, rel)
			}
		}
		graph[dir] = deps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, deps := range graph {
		sort.Strings(deps)
	}
	return graph
}

// documentedGraph reads the import graph docs/architecture.md states: the
// lines "pkg → dep, dep" (or "pkg → nothing") of its ```graph block.
func documentedGraph(t *testing.T, doc string) map[string][]string {
	t.Helper()
	_, after, ok := strings.Cut(doc, "```graph\n")
	if !ok {
		t.Fatal("docs/architecture.md has no ```graph block")
	}
	block, _, _ := strings.Cut(after, "```")
	graph := map[string][]string{}
	for i, line := range strings.Split(strings.TrimSpace(block), "\n") {
		pkg, deps, ok := strings.Cut(line, "→")
		if !ok {
			t.Fatalf("graph line %d %q: want \"pkg → dep, dep\"", i+1, line)
		}
		pkg = strings.TrimSpace(pkg)
		if _, dup := graph[pkg]; dup {
			t.Errorf("graph names %s twice", pkg)
		}
		list := []string{}
		if deps = strings.TrimSpace(deps); deps != "nothing" {
			for _, d := range strings.Split(deps, ",") {
				list = append(list, strings.TrimSpace(d))
			}
		}
		sort.Strings(list)
		graph[pkg] = list
	}
	return graph
}

// docs/architecture.md must name every package, and its import graph must
// be the code's: a moved, added or rewired package fails this until the
// page says so.
func TestArchitectureDocIsTrue(t *testing.T) {
	data, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	code := packageImports(t)
	stated := documentedGraph(t, doc)
	for pkg, deps := range code {
		if !strings.Contains(doc, "`"+pkg+"`") {
			t.Errorf("docs/architecture.md does not name package `%s`", pkg)
		}
		got, ok := stated[pkg]
		if !ok {
			t.Errorf("the graph in docs/architecture.md has no line for %s (it imports %v)", pkg, deps)
			continue
		}
		if !slices.Equal(got, deps) {
			t.Errorf("docs/architecture.md says %s → %v; the code imports %v", pkg, got, deps)
		}
	}
	for pkg := range stated {
		if _, ok := code[pkg]; !ok {
			t.Errorf("docs/architecture.md's graph names %s, which is not a package", pkg)
		}
	}
	if t.Failed() {
		t.Logf("the code's graph, to paste:\n%s", graphBlock(code))
	}
}

// graphBlock writes a graph in the page's form, packages in order.
func graphBlock(g map[string][]string) string {
	pkgs := make([]string, 0, len(g))
	for p := range g {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	var b strings.Builder
	for _, p := range pkgs {
		deps := "nothing"
		if len(g[p]) > 0 {
			deps = strings.Join(g[p], ", ")
		}
		b.WriteString(p + " → " + deps + "\n")
	}
	return b.String()
}

// The graph block's parser reads both line forms.
func TestDocumentedGraphParses(t *testing.T) {
	g := documentedGraph(t, "```graph\na → b, c\nb → nothing\n```\n")
	if !slices.Equal(g["a"], []string{"b", "c"}) || len(g["b"]) != 0 {
		t.Fatalf("parsed %v", g)
	}
}
