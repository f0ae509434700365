// Package browsertest loads the project's HTML reports in headless
// chromium for tests: the pages record their own errors and charts drawn
// into <body> attributes, which a DOM dump shows.
package browsertest

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Browser is a headless chromium found on PATH.
type Browser struct{ path string }

// args keep chromium quiet, sandbox-free (root in CI) and give the page's
// timers time to run.
var args = []string{"--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"}

// Find returns chromium, or skips the test without one; with
// CHAOSRUN_BROWSER=required (CI) a missing browser fails it instead.
func Find(t *testing.T) Browser {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return Browser{p}
		}
	}
	if os.Getenv("CHAOSRUN_BROWSER") == "required" {
		t.Fatal("CHAOSRUN_BROWSER=required, and no chromium is installed")
	}
	t.Skip("no chromium here (Debian's chromium package); CI installs it")
	return Browser{}
}

var bodyTag = regexp.MustCompile(`<body[^>]*>`)

// Load loads file and returns the <body> tag after its scripts ran, and the
// whole DOM. It fails the test unless the page drew charts charts and
// recorded no error.
func (b Browser) Load(t *testing.T, file string, charts int) (body, dom string) {
	t.Helper()
	out, err := exec.Command(b.path, append(args, "--dump-dom", "file://"+file)...).Output()
	if err != nil {
		t.Fatalf("%s: %v", b.path, err)
	}
	body = bodyTag.FindString(string(out))
	if !strings.Contains(body, `data-charts="`+strconv.Itoa(charts)+`"`) || !strings.Contains(body, `data-errors="0"`) {
		errs := regexp.MustCompile(`(?s)<ul id="errors">(.*?)</ul>`).FindStringSubmatch(string(out))
		t.Fatalf("%s did not draw its %d charts cleanly: %s\nerrors: %v", file, charts, body, errs)
	}
	return body, string(out)
}

// Screenshot saves a picture of file at shot, width × height pixels.
func (b Browser) Screenshot(t *testing.T, file, shot, size string) {
	t.Helper()
	if out, err := exec.Command(b.path, append(args, "--window-size="+size, "--screenshot="+shot, "file://"+file)...).CombinedOutput(); err != nil {
		t.Errorf("screenshot: %v\n%s", err, out)
	}
}
