package ledger

import (
	"time"
)

// startPassed is a moment the log's start offset was past the group's
// committed offset: retention deleted records the group had not read.
type startPassed struct {
	seen      bool
	at        time.Time
	start     int64
	committed int64
}

// SampleLogStart records one partition's log start offset at a time. Taken
// with the lag samples, it shows when retention overtook the group.
func (l *Ledger) SampleLogStart(at time.Time, partition int32, start int64) {
	if !partitionOK(partition) {
		return
	}
	l.lagMu.Lock()
	defer l.lagMu.Unlock()
	pa := l.lag.part(partition)
	c := &pa.commits
	if !c.tracked || start <= c.committed {
		return
	}
	if w := &pa.passed; !w.seen || start-c.committed > w.start-w.committed {
		*w = startPassed{seen: true, at: at, start: start, committed: c.committed}
	}
}
