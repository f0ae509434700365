package assertions

import (
	"fmt"
	"slices"

	"github.com/chaosrun/chaosrun/ledger"
)

// Each verdict below is filled in from the ledger under Verify's locks; it
// arrives named and with Enforced set from its Catalog entry.

func kafkaLoss(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count, v.First = f.LostKafka.N, f.LostKafka.First
	v.Summary = fmt.Sprintf("%d acked records missing from the log (%d acked)", v.Count, f.Counts.Acked)
	details := f.PartitionLoss(v.Count > 0)
	if n := f.Untracked; n > 0 {
		details = append(details, fmt.Sprintf("%d sends had ids beyond the tracked range and were not verified", n))
	}
	v.Details = capLines(details)
}

func consumerLoss(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count, v.First = f.LostConsumer.N, f.LostConsumer.First
	v.Summary = fmt.Sprintf("%d records in the log never processed (%d in log)", v.Count, f.InLog)
	v.Details = f.ForeignDetails(f.LostTo)
	if v.Count > 0 {
		var behind int64
		for _, pa := range f.Lag {
			behind += pa.Last.Offsets
		}
		if behind > 0 {
			v.Details = append(v.Details, fmt.Sprintf("the group still lagged %d offsets at the last lag sample (%s)", behind, rel(f.Start, f.LastSample)))
		}
	}
}

func unexpected(f *ledger.Facts, crit Criteria, v *Verdict) {
	cs, ds, os := &f.Strays[0], &f.Strays[1], &f.Strays[2]
	v.Count = cs.Total() + ds.Total() + os.Total() + f.Unexpected()
	v.Summary = fmt.Sprintf("%d records processed or in the log that this run never sent", v.Count)
	for _, list := range [][]string{cs.First, ds.First, os.First, f.FailedProcessed.First, f.NeverProcessed.First, f.FailedLogged.First, f.NeverLogged.First} {
		for _, s := range list {
			keep(&v.First, s)
		}
	}
	causes := []struct {
		what string
		n    int64
	}{
		{"of another run", cs.OtherRun + ds.OtherRun + os.OtherRun},
		{"of another env", cs.OtherEnv + ds.OtherEnv + os.OtherEnv},
		{"whose send failed", f.FailedProcessed.N + f.FailedLogged.N},
		{"never sent", cs.BadID + ds.BadID + os.BadID + f.NeverProcessed.N + f.NeverLogged.N},
		{"foreign in the log (no readable identity)", ds.Foreign},
		{"foreign in the output topic (no readable identity)", os.Foreign},
	}
	for _, k := range causes {
		if k.n > 0 {
			v.Details = append(v.Details, fmt.Sprintf("%d %s", k.n, k.what))
		}
	}
}

func duplicates(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count = f.ProcessedDups.N + f.LogDups.N
	v.Summary = fmt.Sprintf("%d duplicate processings, %d duplicate copies in the log", f.ProcessedDups.N, f.LogDups.N)
	for _, s := range slices.Concat(f.ProcessedDups.First, f.LogDups.First) {
		keep(&v.First, s)
	}
	if !v.Enforced && v.Count > 0 {
		v.Details = []string{"reported only: duplicates are allowed in this scenario"}
	}
}

func keyOrder(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count, v.First = f.KeyOrder.N, f.KeyOrder.First
	v.Summary = fmt.Sprintf("%d order steps processed out of order (%d orders finished, %d still open)",
		v.Count, f.FinishedOrders, f.OpenOrders)
}

func logOrder(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count, v.First = f.LogOrder.N, f.LogOrder.First
	v.Summary = fmt.Sprintf("%d records in the log after a later send of the same producer", v.Count)
}

func lagBounded(f *ledger.Facts, crit Criteria, v *Verdict) {
	maxLag, maxOff := crit.MaxLag, crit.MaxLagOffsets
	var worstSec, worstOff ledger.LagPoint
	sampled := false
	for _, pa := range f.Lag {
		if !pa.Sampled {
			continue
		}
		sampled = true
		if pa.Worst.Seconds > worstSec.Seconds {
			worstSec = pa.Worst
		}
		if pa.WorstOffsets.Offsets > worstOff.Offsets {
			worstOff = pa.WorstOffsets
		}
		overSec := pa.Worst.Seconds > maxLag.Seconds()
		overOff := maxOff > 0 && pa.WorstOffsets.Offsets > maxOff
		if overSec || overOff {
			v.Count++
		}
		if overSec {
			v.Details = append(v.Details, fmt.Sprintf("partition %d: %s behind at %s (limit %s)",
				pa.Worst.Partition, dur(seconds(pa.Worst.Seconds)), rel(f.Start, pa.Worst.At), dur(maxLag)))
		}
		if overOff {
			v.Details = append(v.Details, fmt.Sprintf("partition %d: %d offsets behind at %s (limit %d)",
				pa.WorstOffsets.Partition, pa.WorstOffsets.Offsets, rel(f.Start, pa.WorstOffsets.At), maxOff))
		}
	}
	v.Details = capLines(v.Details)
	if over := v.Count; over > 0 && over < int64(len(f.Lag)) {
		v.Details = append(v.Details, f.Skew())
	}
	if w := f.SinkWrites(worstSec.At); w != "" {
		v.Details = append(v.Details, w)
	}
	if !sampled {
		// A lag check that never measured anything must not pass.
		v.Count = 1
		v.Summary = "no lag samples: lag was never measured"
		return
	}
	// A peak of zero has no place or time: no sample was above it.
	where := func(p ledger.LagPoint) string {
		if p.At.IsZero() {
			return ""
		}
		return fmt.Sprintf(" on partition %d at %s", p.Partition, rel(f.Start, p.At))
	}
	v.Summary = fmt.Sprintf("max lag %s%s (limit %s); max %d offsets%s",
		dur(seconds(worstSec.Seconds)), where(worstSec), dur(maxLag), worstOff.Offsets, where(worstOff))
	if maxOff > 0 {
		v.Summary += fmt.Sprintf(" (limit %d)", maxOff)
	}
}

func lagRecovers(f *ledger.Facts, crit Criteria, v *Verdict) {
	limit := crit.RecoverWithin
	switch {
	case !f.Stopped:
		v.Count = 1
		v.Summary = "producers were never reported stopped; recovery not measured"
	case !f.Recovered:
		v.Summary = fmt.Sprintf("lag never reached 0 after producers stopped at %s (limit %s)", rel(f.Start, f.StopAt), dur(limit))
		v.Details = stillLagging(f)
		v.Count = max(int64(len(v.Details)), 1)
		v.Details = capLines(v.Details)
		if f.LastSample.Before(f.StopAt) {
			v.Details = append(v.Details, "no lag sample was taken after producers stopped")
		}
	default:
		took := f.RecoveredAt.Sub(f.StopAt)
		v.Summary = fmt.Sprintf("lag reached 0 %s after producers stopped, at %s (limit %s)", dur(took), rel(f.Start, f.RecoveredAt), dur(limit))
		if took > limit {
			v.Count = 1
		}
	}
}

// stillLagging describes the partitions behind at their last sample.
func stillLagging(f *ledger.Facts) []string {
	var lines []string
	for _, pa := range f.Lag {
		if pa.Sampled && pa.Last.Offsets > 0 {
			lines = append(lines, fmt.Sprintf("partition %d: %d offsets (%s) behind at its last sample, %s",
				pa.Last.Partition, pa.Last.Offsets, dur(seconds(pa.Last.Seconds)), rel(f.Start, pa.Last.At)))
		}
	}
	return lines
}

func ackGap(f *ledger.Facts, crit Criteria, v *Verdict) {
	limit := crit.MaxAckGap
	if f.Counts.Acked < 2 {
		v.Summary = "fewer than two acks"
		if v.Enforced {
			v.Count = 1 // availability cannot be shown without acks
		}
	} else {
		v.Summary = fmt.Sprintf("longest gap between acks %s, from %s to %s", dur(f.AckGap), rel(f.Start, f.AckGapFrom), rel(f.Start, f.AckGapTo))
	}
	if v.Enforced {
		v.Summary += fmt.Sprintf(" (limit %s)", dur(limit))
		if f.AckGap > limit {
			v.Count = 1
		}
	}
}
