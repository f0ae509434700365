package assertions

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Each verdict below is filled in from the ledger under Verify's locks; it
// arrives named and with Enforced set from its Catalog entry.

func (l *Ledger) kafkaLoss(c *comparison, v *Verdict) {
	v.Count, v.First = c.lostKafka.n, c.lostKafka.first
	v.Summary = fmt.Sprintf("%d acked records missing from the log (%d acked)", v.Count, l.prod.counts.Acked)
	details := l.partitionLoss(v.Count > 0)
	if n := l.prod.untracked; n > 0 {
		details = append(details, fmt.Sprintf("%d sends had ids beyond the tracked range and were not verified", n))
	}
	v.Details = capLines(details)
}

// partitionLoss localises loss: truncated logs always, and when records are
// missing, partitions holding fewer of this run's records than were acked,
// never drained, or with their start deleted.
func (l *Ledger) partitionLoss(lost bool) []string {
	var lines []string
	for p, pa := range l.prod.parts {
		if pa.acked == 0 {
			continue
		}
		var d drainPart
		if p < len(l.drain.parts) {
			d = l.drain.parts[p]
		}
		if !d.ended {
			if lost {
				lines = append(lines, fmt.Sprintf("partition %d: %d acked up to offset %d, but the drain never read it", p, pa.acked, pa.maxOffset))
			}
			continue
		}
		if pa.maxOffset >= d.end {
			lines = append(lines, fmt.Sprintf("partition %d: highest acked offset %d but log ends at %d", p, pa.maxOffset, d.end))
		}
		if lost && d.records < pa.acked {
			lines = append(lines, fmt.Sprintf("partition %d: %d acked but %d records of this run in the log", p, pa.acked, d.records))
		}
		switch {
		case !lost || d.start == 0:
		case l.prod.byPosition:
			lines = append(lines, fmt.Sprintf("partition %d: log starts at offset %d; acked records below it count under no-retention-loss, not here", p, d.start))
		default:
			lines = append(lines, fmt.Sprintf("partition %d: log starts at offset %d; earlier records were deleted, and without a retention setting in the scenario their positions were not kept to tell retention from loss", p, d.start))
		}
	}
	return lines
}

func (l *Ledger) consumerLoss(c *comparison, v *Verdict) {
	v.Count, v.First = c.lostConsumer.n, c.lostConsumer.first
	v.Summary = fmt.Sprintf("%d records in the log never processed (%d in log)", v.Count, c.inLog)
	v.Details = l.cons.foreign.details(c.lostTo)
	if v.Count > 0 {
		var behind int64
		for _, pa := range l.lag.parts {
			behind += pa.cur.Offsets
		}
		if behind > 0 {
			v.Details = append(v.Details, fmt.Sprintf("the group still lagged %d offsets at the last lag sample (%s)", behind, rel(l.start, l.lag.lastAt)))
		}
	}
}

func (l *Ledger) unexpected(c *comparison, v *Verdict) {
	cs, ds, os := &l.cons.strays, &l.drain.strays, &l.output.strays
	v.Count = cs.total() + ds.total() + os.total() + c.unexpected()
	v.Summary = fmt.Sprintf("%d records processed or in the log that this run never sent", v.Count)
	for _, list := range [][]string{cs.first, ds.first, os.first, c.failedProcessed.first, c.neverProcessed.first, c.failedLogged.first, c.neverLogged.first} {
		for _, s := range list {
			keep(&v.First, s)
		}
	}
	causes := []struct {
		what string
		n    int64
	}{
		{"of another run", cs.otherRun + ds.otherRun + os.otherRun},
		{"of another env", cs.otherEnv + ds.otherEnv + os.otherEnv},
		{"whose send failed", c.failedProcessed.n + c.failedLogged.n},
		{"never sent", cs.badID + ds.badID + os.badID + c.neverProcessed.n + c.neverLogged.n},
		{"foreign in the log (no readable identity)", ds.foreign},
		{"foreign in the output topic (no readable identity)", os.foreign},
	}
	for _, k := range causes {
		if k.n > 0 {
			v.Details = append(v.Details, fmt.Sprintf("%d %s", k.n, k.what))
		}
	}
}

func (l *Ledger) duplicates(_ *comparison, v *Verdict) {
	v.Count = l.cons.dups + l.drain.dups
	v.Summary = fmt.Sprintf("%d duplicate processings, %d duplicate copies in the log", l.cons.dups, l.drain.dups)
	for _, s := range slices.Concat(l.cons.dupFirst, l.drain.dupFirst) {
		keep(&v.First, s)
	}
	if !v.Enforced && v.Count > 0 {
		v.Details = []string{"reported only: duplicates are allowed in this scenario"}
	}
}

func (l *Ledger) keyOrder(_ *comparison, v *Verdict) {
	var finished uint64
	for _, s := range l.cons.finalized {
		finished += s.count()
	}
	v.Count, v.First = l.cons.orderBad, l.cons.orderFirst
	v.Summary = fmt.Sprintf("%d order steps processed out of order (%d orders finished, %d still open)",
		v.Count, finished, len(l.cons.orders))
}

func (l *Ledger) logOrder(_ *comparison, v *Verdict) {
	v.Count, v.First = l.drain.orderBad, l.drain.orderFirst
	v.Summary = fmt.Sprintf("%d records in the log after a later send of the same producer", v.Count)
}

func (l *Ledger) lagBounded(_ *comparison, v *Verdict) {
	maxLag, maxOff := l.crit.MaxLag, l.crit.MaxLagOffsets
	var worstSec, worstOff LagPoint
	sampled := false
	for _, pa := range l.lag.parts {
		if !pa.seen {
			continue
		}
		sampled = true
		if pa.worstSec.Seconds > worstSec.Seconds {
			worstSec = pa.worstSec
		}
		if pa.worstOff.Offsets > worstOff.Offsets {
			worstOff = pa.worstOff
		}
		overSec := pa.worstSec.Seconds > maxLag.Seconds()
		overOff := maxOff > 0 && pa.worstOff.Offsets > maxOff
		if overSec || overOff {
			v.Count++
		}
		if overSec {
			v.Details = append(v.Details, fmt.Sprintf("partition %d: %s behind at %s (limit %s)",
				pa.worstSec.Partition, dur(seconds(pa.worstSec.Seconds)), rel(l.start, pa.worstSec.At), dur(maxLag)))
		}
		if overOff {
			v.Details = append(v.Details, fmt.Sprintf("partition %d: %d offsets behind at %s (limit %d)",
				pa.worstOff.Partition, pa.worstOff.Offsets, rel(l.start, pa.worstOff.At), maxOff))
		}
	}
	v.Details = capLines(v.Details)
	if over := v.Count; over > 0 && over < int64(len(l.lag.parts)) {
		v.Details = append(v.Details, l.skew())
	}
	if w := l.sinkWrites(worstSec.At); w != "" {
		v.Details = append(v.Details, w)
	}
	if !sampled {
		// A lag check that never measured anything must not pass.
		v.Count = 1
		v.Summary = "no lag samples: lag was never measured"
		return
	}
	// A peak of zero has no place or time: no sample was above it.
	where := func(p LagPoint) string {
		if p.At.IsZero() {
			return ""
		}
		return fmt.Sprintf(" on partition %d at %s", p.Partition, rel(l.start, p.At))
	}
	v.Summary = fmt.Sprintf("max lag %s%s (limit %s); max %d offsets%s",
		dur(seconds(worstSec.Seconds)), where(worstSec), dur(maxLag), worstOff.Offsets, where(worstOff))
	if maxOff > 0 {
		v.Summary += fmt.Sprintf(" (limit %d)", maxOff)
	}
}

// skew describes how the acked records spread over partitions: when only
// some partitions lag, an uneven key (a hot merchant) is the first suspect.
func (l *Ledger) skew() string {
	var total int64
	for _, pa := range l.prod.parts {
		total += pa.acked
	}
	if total == 0 {
		return "no acked records to show how load spread over partitions"
	}
	parts := make([]string, len(l.prod.parts))
	for p, pa := range l.prod.parts {
		parts[p] = fmt.Sprintf("%d: %d (%.0f%%)", p, pa.acked, 100*float64(pa.acked)/float64(total))
	}
	return "acked records per partition: " + strings.Join(parts, ", ")
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func (l *Ledger) lagRecovers(_ *comparison, v *Verdict) {
	g, limit := &l.lag, l.crit.RecoverWithin
	switch {
	case !g.stopped:
		v.Count = 1
		v.Summary = "producers were never reported stopped; recovery not measured"
	case !g.recovered:
		v.Summary = fmt.Sprintf("lag never reached 0 after producers stopped at %s (limit %s)", rel(l.start, g.stopAt), dur(limit))
		v.Details = l.stillLagging()
		v.Count = max(int64(len(v.Details)), 1)
		v.Details = capLines(v.Details)
		if g.lastAt.Before(g.stopAt) {
			v.Details = append(v.Details, "no lag sample was taken after producers stopped")
		}
	default:
		took := g.recoveredAt.Sub(g.stopAt)
		v.Summary = fmt.Sprintf("lag reached 0 %s after producers stopped, at %s (limit %s)", dur(took), rel(l.start, g.recoveredAt), dur(limit))
		if took > limit {
			v.Count = 1
		}
	}
}

// stillLagging describes the partitions behind at their last sample.
func (l *Ledger) stillLagging() []string {
	var lines []string
	for _, pa := range l.lag.parts {
		if pa.seen && pa.cur.Offsets > 0 {
			lines = append(lines, fmt.Sprintf("partition %d: %d offsets (%s) behind at its last sample, %s",
				pa.cur.Partition, pa.cur.Offsets, dur(seconds(pa.cur.Seconds)), rel(l.start, pa.cur.At)))
		}
	}
	return lines
}

func (l *Ledger) ackGap(_ *comparison, v *Verdict) {
	p, limit := &l.prod, l.crit.MaxAckGap
	if p.counts.Acked < 2 {
		v.Summary = "fewer than two acks"
		if v.Enforced {
			v.Count = 1 // availability cannot be shown without acks
		}
	} else {
		v.Summary = fmt.Sprintf("longest gap between acks %s, from %s to %s", dur(p.gap), rel(l.start, p.gapFrom), rel(l.start, p.gapTo))
	}
	if v.Enforced {
		v.Summary += fmt.Sprintf(" (limit %s)", dur(limit))
		if p.gap > limit {
			v.Count = 1
		}
	}
}
