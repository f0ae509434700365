package assertions

import (
	"fmt"
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
	g := &l.lag
	g.parts = growTo(g.parts, int(partition))
	pa := &g.parts[partition]
	c := &pa.commits
	if !c.tracked || start <= c.committed {
		return
	}
	if w := &pa.passed; !w.seen || start-c.committed > w.start-w.committed {
		*w = startPassed{seen: true, at: at, start: start, committed: c.committed}
	}
}

func (l *Ledger) noRetentionLoss(c *comparison, v *Verdict) {
	v.Count, v.First = c.retention.n, c.retention.first
	v.Summary = fmt.Sprintf("%d acked records deleted by retention before the group processed them", v.Count)
	for p, n := range c.retentionBy {
		if n == 0 {
			continue
		}
		line := fmt.Sprintf("partition %d: %d records of this run deleted unread", p, n)
		if p < len(l.drain.parts) {
			line += fmt.Sprintf("; the log now starts at offset %d", l.drain.parts[p].start)
		}
		if p < len(l.lag.parts) {
			if w := l.lag.parts[p].passed; w.seen {
				line += fmt.Sprintf("; at %s it started at %d while the group's committed offset was %d (%d offsets deleted unread)",
					rel(l.start, w.at), w.start, w.committed, w.start-w.committed)
			}
		}
		v.Details = append(v.Details, line)
	}
	v.Details = capLines(v.Details)
	if v.Count > 0 {
		v.Details = append(v.Details, "Kafka deleted them as configured (retention.ms / retention.bytes); they are not counted by no-kafka-loss")
	}
}

func (l *Ledger) unconfirmedLost(c *comparison, v *Verdict) {
	v.Count, v.First = c.unconfirmed.n, c.unconfirmed.first
	v.Summary = fmt.Sprintf("%d of %d sends of unknown outcome never reached the log", v.Count, l.prod.counts.Unknown)
	if v.Count == 0 {
		return
	}
	v.Details = append(v.Details, "their producer was never told whether they were written (acks=0, timeouts, lost connections), so no-kafka-loss, which counts acked records, cannot see them")
	for p, d := range l.drain.parts {
		if d.ended && d.start > 0 {
			v.Details = append(v.Details, fmt.Sprintf("partition %d's log starts at offset %d: some of them may have been written and then deleted by retention", p, d.start))
		}
	}
	if !v.Enforced {
		v.Details = append(v.Details, "reported only: set forbid_unconfirmed_loss to fail the run on it")
	}
	v.Details = capLines(v.Details)
}
