package harness

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDefaultRootPerUser: the old shared path holding someone else's file
// no longer matters, and the root is made this user's own.
func TestDefaultRootPerUser(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if err := os.WriteFile(filepath.Join(tmp, "chaosrun"), []byte("not ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := DefaultRoot()
	if want := filepath.Join(tmp, "chaosrun-"+strconv.Itoa(os.Getuid())); root != want {
		t.Fatalf("DefaultRoot = %s, want %s", root, want)
	}
	if err := ensureRoot(root); err != nil {
		t.Fatalf("ensureRoot: %v", err)
	}
	st, err := os.Stat(root)
	if err != nil || st.Mode().Perm() != rootMode {
		t.Fatalf("root %s: %v, mode %v, want %v", root, err, st.Mode().Perm(), os.FileMode(rootMode))
	}
	if _, err := CleanLeftovers("", nil); err != nil {
		t.Fatalf("CleanLeftovers: %v", err)
	}
}

// TestRootRefused: a root that is not this user's own is a clear error,
// both for a run and for a cleanup.
func TestRootRefused(t *testing.T) {
	tmp := t.TempDir()
	cases := map[string]func(string) error{
		"writable by others": func(p string) error {
			if err := os.Mkdir(p, 0o777); err != nil {
				return err
			}
			return os.Chmod(p, 0o777)
		},
		"not a directory":    func(p string) error { return os.WriteFile(p, nil, 0o644) },
		"not a directory (L": func(p string) error { return os.Symlink(tmp, p) }, // a planted symlink
	}
	if os.Geteuid() == 0 { // only root can give a dir away
		cases["belongs to uid 65534"] = func(p string) error {
			if err := os.Mkdir(p, 0o700); err != nil {
				return err
			}
			return os.Chown(p, 65534, 65534)
		}
	}
	i := 0
	for want, plant := range cases {
		i++
		root := filepath.Join(tmp, "root"+strconv.Itoa(i))
		if err := plant(root); err != nil {
			t.Fatal(err)
		}
		var b RunBase[struct{}]
		if err := b.Open(root, "r1", t.Logf, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("open with a root that %s: %v", want, err)
		}
		if _, err := CleanLeftovers(root, t.Logf); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("clean with a root that %s: %v", want, err)
		}
	}
}
