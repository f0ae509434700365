package pgserver

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/harness"
)

// needPostgres skips without a PostgreSQL installation, unless CI is set.
func needPostgres(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a PostgreSQL server; skipped under -short")
	}
	if _, err := FindPostgres(); err != nil {
		if os.Getenv("CHAOSRUN_POSTGRES") == "required" {
			t.Fatalf("CHAOSRUN_POSTGRES=required: %v", err)
		}
		t.Skipf("no PostgreSQL here: %v", err)
	}
}

// A run's server starts in its dir on a free loopback port, takes
// connections, and a dead run's server is killed by the next run's cleanup.
func TestPostgresStartsAndIsCleanedUp(t *testing.T) {
	needPostgres(t)
	// Not t.TempDir: its parent is private to root, and the server runs as
	// an unprivileged user that must pass through.
	root, err := os.MkdirTemp("", "chaosrun-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	os.Chmod(root, 0o755)
	dir, lock, err := harness.CreateRunDir(root, "pgtest-1")
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	p, err := StartPostgres(context.Background(), dir, "pgtest-1", "kitchen", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	t.Logf("ready in %s", time.Since(began))
	bin, _ := FindPostgres()
	psql := func(password string) ([]byte, error) {
		cmd := exec.Command(filepath.Join(bin, "psql"), "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "chaosrun",
			"-d", "kitchen", "-Atc", "select current_setting('chaosrun.run')")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
		return cmd.CombinedOutput()
	}
	if out, err := psql("wrong"); err == nil {
		t.Fatalf("a wrong password got in: %s", out)
	}
	out, err := psql(p.password)
	if err != nil || strings.TrimSpace(string(out)) != "pgtest-1" {
		t.Fatalf("psql: %v: %s", err, out)
	}
	if !strings.Contains(p.URL("kitchen"), "127.0.0.1:"+strconv.Itoa(p.Port)+"/kitchen") {
		t.Errorf("url %s", p.URL("kitchen"))
	}
	// The run dies without closing: its lock goes, the server stays.
	lock.Close()
	// As runtimes.CleanLeftovers does (it cannot be imported here: it
	// reaches this package through kitchendb): the dirs, then the servers.
	removed, err := harness.CleanLeftovers(root, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	killed, err := Clean(t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	removed = append(removed, killed...)
	if len(removed) < 2 || !strings.Contains(strings.Join(removed, " "), "run pgtest-1") {
		t.Errorf("removed %q; want the server's pid and the run dir", removed)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the dead run's server still runs")
	}
}
