package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/runner"
)

func TestStatusLine(t *testing.T) {
	prev := runner.Progress{Stage: "workload", Elapsed: 10 * time.Second, Planned: 40 * time.Second,
		Live: ledger.Live{Sent: 2000, Acked: 1990, Processed: 1900}}
	p := prev
	p.Elapsed = 15 * time.Second
	p.Sent, p.Acked, p.Processed = 3000, 2990, 2400
	p.Lag = []ledger.LagPoint{{Partition: 0, Offsets: 5, Seconds: 0.1}, {Partition: 3, Offsets: 600, Seconds: 3.2}}
	p.Faults = []string{"db-latency: kitchen-db (downstream)"}
	got := statusLine(p, prev)
	want := "   15s/40s workload  sent 3000 (200/s)  acked 2990 (200/s)  processed 2400 (100/s)  max lag 3.2s/600 on p3  faults: db-latency: kitchen-db (downstream)"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// Off a terminal (a CI log) a status line comes every 5 s, never redrawn.
func TestConsoleOffATerminal(t *testing.T) {
	var buf bytes.Buffer
	c := &console{w: &buf, start: time.Now()}
	for i := 1; i <= 3; i++ {
		c.progress(runner.Progress{Stage: "workload", Elapsed: time.Duration(i) * time.Second})
	}
	c.logf("draining")
	out := buf.String()
	if strings.Count(out, "workload") != 1 || strings.Contains(out, "\r") || !strings.Contains(out, "] draining\n") {
		t.Errorf("output:\n%q", out)
	}
	buf.Reset()
	c = &console{w: &buf, start: time.Now(), tty: true}
	c.progress(runner.Progress{Stage: "workload", Elapsed: time.Second})
	c.progress(runner.Progress{Stage: "workload", Elapsed: 2 * time.Second})
	c.logf("draining")
	if out := buf.String(); strings.Count(out, "\r\033[K") != 2 || !strings.HasSuffix(out, "] draining\n") {
		t.Errorf("terminal output:\n%q", out)
	}
}
