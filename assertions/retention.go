package assertions

import (
	"fmt"

	"github.com/chaosrun/chaosrun/ledger"
)

func noRetentionLoss(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count, v.First = f.Retention.N, f.Retention.First
	v.Summary = fmt.Sprintf("%d acked records deleted by retention before the group processed them", v.Count)
	for p, n := range f.RetentionBy {
		if n == 0 {
			continue
		}
		line := fmt.Sprintf("partition %d: %d records of this run deleted unread", p, n)
		if p < len(f.Log) {
			line += fmt.Sprintf("; the log now starts at offset %d", f.Log[p].Start)
		}
		if p < len(f.Lag) {
			if w := f.Lag[p]; w.Overtaken {
				line += fmt.Sprintf("; at %s it started at %d while the group's committed offset was %d (%d offsets deleted unread)",
					rel(f.Start, w.OvertakenAt), w.LogStart, w.Committed, w.LogStart-w.Committed)
			}
		}
		v.Details = append(v.Details, line)
	}
	v.Details = capLines(v.Details)
	if v.Count > 0 {
		v.Details = append(v.Details, "Kafka deleted them as configured (retention.ms / retention.bytes); they are not counted by no-kafka-loss")
	}
}

func unconfirmedLost(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count, v.First = f.Unconfirmed.N, f.Unconfirmed.First
	v.Summary = fmt.Sprintf("%d of %d sends of unknown outcome never reached the log", v.Count, f.Counts.Unknown)
	if v.Count == 0 {
		return
	}
	v.Details = append(v.Details, "their producer was never told whether they were written (acks=0, timeouts, lost connections), so no-kafka-loss, which counts acked records, cannot see them")
	for p, d := range f.Log {
		if d.Ended && d.Start > 0 {
			v.Details = append(v.Details, fmt.Sprintf("partition %d's log starts at offset %d: some of them may have been written and then deleted by retention", p, d.Start))
		}
	}
	if !v.Enforced {
		v.Details = append(v.Details, "reported only: set forbid_unconfirmed_loss to fail the run on it")
	}
	v.Details = capLines(v.Details)
}
