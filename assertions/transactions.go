package assertions

import (
	"fmt"

	"github.com/chaosrun/chaosrun/ledger"
)

func abortedRead(f *ledger.Facts, crit Criteria, v *Verdict) {
	v.Count = f.AbortedProcessed.N + f.AbortedLogged.N + f.AbortedOutput.N
	for _, list := range [][]string{f.AbortedProcessed.First, f.AbortedLogged.First, f.AbortedOutput.First} {
		for _, s := range list {
			keep(&v.First, s)
		}
	}
	aborted := f.Counts.Aborted
	if aborted == 0 {
		v.Summary = "no transaction was aborted in this run"
		return
	}
	v.Summary = fmt.Sprintf("%d reads of records from aborted transactions (%d records aborted)", v.Count, aborted)
	if f.AbortedProcessed.N > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d processed by the kitchen display: a consumer with isolation.level=read_uncommitted acts on data its producer took back", f.AbortedProcessed.N))
	}
	if f.AbortedLogged.N > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d returned to the read_committed final drain: the brokers exposed aborted data", f.AbortedLogged.N))
	}
	if f.AbortedOutput.N > 0 {
		v.Details = append(v.Details, fmt.Sprintf("%d have a result in the output topic", f.AbortedOutput.N))
	}
}

func duplicateOutput(f *ledger.Facts, crit Criteria, v *Verdict) {
	o := &f.Output
	if !o.Drained {
		v.Summary = "no output topic in this run"
		return
	}
	v.Count, v.First = o.Dups.N, o.Dups.First
	v.Summary = fmt.Sprintf("%d input records with more than one result in the output topic (%d results read)", v.Count, o.Records)
	if v.Count > 0 {
		v.Details = []string{"exactly-once broken: a member forwarded a batch, died or was fenced before committing its input offsets, and the batch was processed and forwarded again"}
	}
}

func lostCommit(f *ledger.Facts, crit Criteria, v *Verdict) {
	if !f.Output.Drained {
		v.Summary = "no output topic in this run"
		return
	}
	if f.Lagging > 0 || f.LastSample.IsZero() {
		// Only a group that committed everything has committed past every
		// record it processed; before that, a missing result may belong to
		// a transaction that was aborted and not yet done again.
		v.Summary = fmt.Sprintf("not judged: the group had not committed all its input at the last lag sample (%d partitions behind); no-consumer-loss and lag-recovers judge that", f.Lagging)
		return
	}
	v.Count, v.First = f.LostOutput.N, f.LostOutput.First
	v.Summary = fmt.Sprintf("%d processed input records without a committed result in the output topic (%d processed)", v.Count, f.Processed)
	if v.Count > 0 {
		v.Details = []string{"their input offsets were committed while their results were not: the next owner of the partition starts after them"}
	}
}

func outputOrder(f *ledger.Facts, crit Criteria, v *Verdict) {
	o := &f.Output
	if !o.Drained {
		v.Summary = "no output topic in this run"
		return
	}
	v.Count, v.First = o.Order.N, o.Order.First
	v.Summary = fmt.Sprintf("%d results in the output topic out of their order's step order", v.Count)
}
