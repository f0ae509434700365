package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chaosrun/chaosrun/runner"
)

// console writes a run's log lines and its live status to stderr: on a
// terminal one status line redrawn in place, elsewhere (a CI log) a status
// line every 5 s, in the manner of kafka-producer-perf-test.
type console struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	start    time.Time
	drawn    bool // a status line is on screen without its newline
	width    int  // the terminal's columns, from $COLUMNS (default 80)
	last     runner.Progress
	lastLine time.Time
}

// statusEvery is how often a non-terminal gets a status line.
const statusEvery = 5 * time.Second

func newConsole(f *os.File) *console {
	c := &console{w: f, start: time.Now()}
	if st, err := f.Stat(); err == nil {
		c.tty = st.Mode()&os.ModeCharDevice != 0
	}
	c.width = 80
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		c.width = n
	}
	return c
}

func (c *console) clear() {
	if c.drawn {
		fmt.Fprint(c.w, "\r\033[K")
		c.drawn = false
	}
}

// logf prints one log line, above the status line.
func (c *console) logf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	fmt.Fprintf(c.w, "[%6.1fs] %s\n", time.Since(c.start).Seconds(), fmt.Sprintf(format, args...))
}

// progress shows p: redrawn on a terminal, every statusEvery elsewhere.
func (c *console) progress(p runner.Progress) {
	c.mu.Lock()
	defer c.mu.Unlock()
	line := statusLine(p, c.last)
	c.last = p
	if c.tty {
		c.clear()
		// A wrapped line could not be cleared in place: cut it to the width.
		if c.width > 1 && len(line) >= c.width {
			line = line[:c.width-1]
		}
		fmt.Fprint(c.w, line)
		c.drawn = true
		return
	}
	if now := time.Now(); now.Sub(c.lastLine) >= statusEvery {
		c.lastLine = now
		fmt.Fprintln(c.w, line)
	}
}

// done ends the status line on a terminal; the next run's rates start
// afresh.
func (c *console) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	c.last = runner.Progress{}
}

// statusLine is one status: elapsed of planned, counts with their rate
// since prev, the worst lag now and the faults in effect.
func statusLine(p, prev runner.Progress) string {
	dt := (p.Elapsed - prev.Elapsed).Seconds()
	rate := func(now, before int64) string {
		if dt <= 0 || prev.Elapsed == 0 {
			return ""
		}
		return fmt.Sprintf(" (%.0f/s)", float64(now-before)/dt)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%5.0fs/%.0fs %s  sent %d%s  acked %d%s  processed %d%s", p.Elapsed.Seconds(), p.Planned.Seconds(), p.Stage,
		p.Sent, rate(p.Sent, prev.Sent), p.Acked, rate(p.Acked, prev.Acked), p.Processed, rate(p.Processed, prev.Processed))
	if p.Unknown+p.Failed > 0 {
		fmt.Fprintf(&b, "  failed %d unknown %d", p.Failed, p.Unknown)
	}
	worst := -1
	for i, l := range p.Lag {
		if worst < 0 || l.Seconds > p.Lag[worst].Seconds || (l.Seconds == p.Lag[worst].Seconds && l.Offsets > p.Lag[worst].Offsets) {
			worst = i
		}
	}
	if worst >= 0 {
		l := p.Lag[worst]
		fmt.Fprintf(&b, "  max lag %.1fs/%d on p%d", l.Seconds, l.Offsets, l.Partition)
	}
	if len(p.Faults) > 0 {
		fmt.Fprintf(&b, "  faults: %s", strings.Join(p.Faults, "; "))
	}
	return b.String()
}
