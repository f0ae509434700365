package assertions

import (
	"fmt"
	"time"

	"github.com/chaosrun/chaosrun/ledger"
)

// recovery judges every disturbance's lag recovery against max_recovery.
func recovery(f *ledger.Facts, crit Criteria, v *Verdict) {
	rs := f.Recoveries
	limit := crit.MaxRecovery
	if len(rs) == 0 {
		v.Summary = "no fault or flood to recover from"
		return
	}
	var worst time.Duration
	allBack := true
	for _, r := range rs {
		line := fmt.Sprintf("%s (%s to %s): ", r.What, rel(f.Start, r.From), rel(f.Start, r.To))
		switch {
		case r.Unhealed:
			line += "never ended"
		case r.LagBack < 0:
			line += fmt.Sprintf("lag never came back to its level before (%d offsets)", r.LagLevel)
		default:
			line += fmt.Sprintf("lag back to its level before (%d offsets) after %s", r.LagLevel, dur(r.LagBack))
		}
		if r.FirstAck >= 0 {
			line += fmt.Sprintf("; first ack %s after", dur(r.FirstAck))
		}
		back := !r.Unhealed && r.LagBack >= 0
		allBack = allBack && back
		worst = max(worst, r.LagBack)
		if limit > 0 && (!back || r.LagBack > limit) {
			v.Count++
		}
		v.Details = append(v.Details, line)
	}
	v.Details = capLines(v.Details)
	if allBack {
		v.Summary = fmt.Sprintf("%d faults and floods; lag back to its level at most %s after each ended", len(rs), dur(worst))
	} else {
		v.Summary = fmt.Sprintf("%d faults and floods; lag did not come back after every one", len(rs))
	}
	if limit > 0 {
		v.Summary += fmt.Sprintf(" (limit %s)", dur(limit))
	}
}
