package assertions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// The catalog and the verdicts agree: every entry judges, and Verify reports
// exactly the catalog's names in its order.
func TestCatalogNamesEveryVerdict(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Catalog {
		if a.Name == "" || seen[a.Name] || a.judge == nil || a.Judges == "" {
			t.Errorf("entry %q: needs a unique name, a judge and what it judges", a.Name)
		}
		seen[a.Name] = true
	}
	rep := Verify(NewLedger(testRun, testEnv, t0, Criteria{}), Criteria{})
	var got []string
	for _, v := range rep.Verdicts {
		got = append(got, v.Name)
	}
	if !slices.Equal(got, Names()) {
		t.Errorf("Verify reports %v, the catalog names %v", got, Names())
	}
}

// No verdict without a name: every verdict function (taking the facts, the
// criteria and the verdict to fill) is a catalog entry's judge.
func TestEveryVerdictMethodIsInTheCatalog(t *testing.T) {
	judges := map[string]bool{}
	for _, a := range Catalog {
		name := runtime.FuncForPC(reflect.ValueOf(a.judge).Pointer()).Name()
		judges[name[strings.LastIndex(name, ".")+1:]] = true
	}
	methods := verdictMethods(t)
	if len(methods) != len(Catalog) {
		t.Errorf("%d verdict methods, %d catalog entries", len(methods), len(Catalog))
	}
	for _, m := range methods {
		if !judges[m] {
			t.Errorf("verdict method %s is not in the catalog: Verify never runs it", m)
		}
	}
}

// verdictMethods parses the package for functions shaped like a judge.
func verdictMethods(t *testing.T) []string {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || len(fn.Type.Params.List) != 3 {
				continue
			}
			params := fn.Type.Params.List
			if typeText(src, fset, params[0].Type) == "*ledger.Facts" && typeText(src, fset, params[2].Type) == "*Verdict" {
				out = append(out, fn.Name.Name)
			}
		}
	}
	return out
}

func typeText(src []byte, fset *token.FileSet, e ast.Expr) string {
	return string(src[fset.Position(e.Pos()).Offset:fset.Position(e.End()).Offset])
}

// Every assertion can fail: its name has a table of good and bad histories.
func TestEveryAssertionHasFailingCases(t *testing.T) {
	files, _ := filepath.Glob("*_test.go")
	var all strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all.Write(b)
	}
	for _, name := range Names() {
		if !strings.Contains(all.String(), `runCases(t, "`+name+`"`) {
			t.Errorf("%s has no runCases table of good and bad histories", name)
		}
	}
}

func TestThresholds(t *testing.T) {
	keys := map[string]bool{}
	for _, th := range Thresholds() {
		if keys[th.Key] || th.Doc == "" {
			t.Errorf("threshold %q: keys are unique and documented", th.Key)
		}
		keys[th.Key] = true
	}
	for _, a := range Catalog {
		for _, key := range a.EnforcedBy {
			if !slices.ContainsFunc(a.Thresholds, func(th Threshold) bool { return th.Key == key }) {
				t.Errorf("%s is enforced by %q, which is not one of its thresholds", a.Name, key)
			}
		}
	}
	def := DefaultCriteria()
	for _, th := range Thresholds() {
		if ps := th.Check(def); ps != nil {
			t.Errorf("default of %s refused: %v", th.Key, ps)
		}
	}
	want := Criteria{MaxLag: 30 * time.Second, RecoverWithin: time.Minute, MaxStall: 30 * time.Second}
	if def != want || (Criteria{}).withDefaults() != want {
		t.Errorf("defaults: %+v and %+v, want %+v", def, (Criteria{}).withDefaults(), want)
	}
}

func TestThresholdChecks(t *testing.T) {
	cases := []struct {
		key  string
		c    Criteria
		want string
	}{
		{"max_lag", Criteria{}, "want a positive duration"},
		{"max_lag", Criteria{MaxLag: -time.Second}, "want a positive duration"},
		{"max_lag_offsets", Criteria{MaxLagOffsets: -5}, "want 0 (no limit) or a positive number of offsets"},
		{"max_lag_offsets", Criteria{}, ""},
		{"max_ack_gap", Criteria{MaxAckGap: -1}, "want 0 (reported only) or a positive duration"},
		{"max_ack_gap", Criteria{}, ""},
		{"recover_within", Criteria{}, "want a positive duration"},
	}
	for _, c := range cases {
		th, ok := ThresholdByKey(c.key)
		if !ok {
			t.Fatalf("no threshold %s", c.key)
		}
		var want problem.List
		if c.want != "" {
			want = problem.List{{Field: c.key, Msg: c.want}}
		}
		if got := th.Check(c.c); !slices.Equal(got, want) {
			t.Errorf("%s on %+v: %v, want %v", c.key, c.c, got, want)
		}
	}
}

// A reported-only verdict becomes enforced when its threshold is set.
func TestEnforcedBy(t *testing.T) {
	enforced := func(c Criteria) map[string]bool {
		out := map[string]bool{}
		for _, v := range Verify(NewLedger(testRun, testEnv, t0, c), c).Verdicts {
			out[v.Name] = v.Enforced
		}
		return out
	}
	off, on := enforced(Criteria{}), enforced(Criteria{ForbidDuplicates: true, MaxAckGap: time.Second})
	for _, name := range []string{"no-duplicates", "ack-gap"} {
		if off[name] || !on[name] {
			t.Errorf("%s: enforced %v by default and %v when set", name, off[name], on[name])
		}
	}
	if !off["no-kafka-loss"] {
		t.Error("no-kafka-loss is always enforced")
	}
}
