package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chaosrun/chaosrun/assertions"
	"github.com/chaosrun/chaosrun/ledger"
	"github.com/chaosrun/chaosrun/result"
)

// Summary writes the terminal report of r: assertions first, since they are
// what a reader looks for, then the overall verdict, counts, latency, fault
// timeline, lag and where the result was written. Plain text only, so a CI
// log reads as well as a terminal.
func Summary(w io.Writer, r *result.Result) error {
	p := &printer{w: w}
	sections := []func(*printer, *result.Result){
		header, assertionLines, verdictLine, counts, latencyTable, phaseTable, groupLine, timeline, recoveryTable, lagTable, resultPath,
	}
	for _, section := range sections {
		section(p, r)
	}
	return p.err
}

// printer remembers the first write error so sections can print freely.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func header(p *printer, r *result.Result) {
	p.f("chaosrun %s  run %s  runtime %s  kafka %s  seed %d  duration %s\n",
		r.Scenario, r.RunID, r.Runtime, r.KafkaVersion, r.Seed, runDuration(r))
	if e := r.Cluster.External; e != nil {
		p.f("  cluster: external, %s, brokers %v; run's topics %s, groups %s%s\n", e.Security, r.Cluster.Nodes,
			strings.Join(e.Topics, ", "), strings.Join(e.Groups, ", "), externalFate(e))
		for _, l := range e.Leftovers {
			p.f("  left on the cluster: %s\n", l)
		}
	}
	if r.LedgerExport != "" {
		p.f("  ledger exported to %s\n", r.LedgerExport)
	}
	if r.RuntimeReason != "" {
		p.f("  runtime: %s\n", r.RuntimeReason)
	}
	if c := r.Workload.Client; c != "" {
		p.f("  client: %s\n", c)
	}
	for _, n := range r.Workload.ClientNotes {
		p.f("  client difference: %s\n", n)
	}
	if r.KitchenDB != "" {
		p.f("  kitchen database: %s\n", r.KitchenDB)
	}
	for _, o := range r.Overrides {
		p.f("  override: %s\n", o)
	}
	if r.Description != "" {
		for _, line := range strings.Split(strings.TrimSpace(r.Description), "\n") {
			p.f("  %s\n", line)
		}
	}
}

func runDuration(r *result.Result) time.Duration {
	return r.EndedAt.Sub(r.StartedAt).Round(100 * time.Millisecond)
}

func assertionLines(p *printer, r *result.Result) {
	p.f("\nassertions\n")
	if len(r.Assertions) == 0 {
		p.f("  (none evaluated)\n")
	}
	width := nameWidth(r.Assertions)
	for _, v := range r.Assertions {
		p.f("  %-4s  %-*s  %s\n", status(v), width, v.Name, v.Summary)
		if !v.Passed {
			evidence(p, v)
		}
	}
}

func nameWidth(vs []assertions.Verdict) int {
	width := 0
	for _, v := range vs {
		width = max(width, len(v.Name))
	}
	return width
}

// status labels reported-only assertions INFO whatever their outcome, since
// they cannot change the verdict.
func status(v assertions.Verdict) string {
	switch {
	case !v.Enforced:
		return "INFO"
	case v.Passed:
		return "PASS"
	}
	return "FAIL"
}

const evidenceIndent = "          "

func evidence(p *printer, v assertions.Verdict) {
	if len(v.First) > 0 {
		p.f("%sfirst: %s\n", evidenceIndent, strings.Join(v.First, ", "))
	}
	for _, d := range v.Details {
		p.f("%s%s\n", evidenceIndent, d)
	}
}

func verdictLine(p *printer, r *result.Result) {
	met := "met"
	if !r.ExpectationMet {
		met = "NOT met"
	}
	p.f("\nverdict %s; %s: %s\n", r.Verdict, expectation(r), met)
	if r.Error != "" {
		p.f("  error: %s\n", r.Error)
	}
	if r.ExpectationMet {
		return
	}
	for _, reason := range r.Unmet() {
		p.f("  %s\n", reason)
	}
}

// expectation renders Expect as "expected fail [a, b]".
func expectation(r *result.Result) string {
	s := "expected " + r.ExpectedVerdict()
	if len(r.Expect.Failing) > 0 {
		s += " [" + strings.Join(r.Expect.Failing, ", ") + "]"
	}
	return s
}

func counts(p *printer, r *result.Result) {
	c := r.Counts
	rows := []struct {
		label string
		n     int64
	}{
		{"sent", c.Sent}, {"acked", c.Acked}, {"failed", c.Failed}, {"unknown", c.Unknown},
		{"late", c.Late}, {"processed", c.Processed}, {"in log", c.InLog},
		{"lost kafka", c.LostKafka}, {"lost retention", c.LostRetention}, {"lost consumer", c.LostConsumer},
		{"lost unconfirmed", c.LostUnconfirmed},
		{"unexpected", c.Unexpected}, {"duplicates", c.Duplicates}, {"log duplicates", c.LogDuplicate},
		{"orders in db", r.SinkOrders},
	}
	if c.Aborted > 0 { // transactional producers only
		rows = append(rows[:4:4], append([]struct {
			label string
			n     int64
		}{{"aborted", c.Aborted}}, rows[4:]...)...)
	}
	p.f("\ncounts\n")
	for _, row := range rows {
		p.f("  %-14s  %12d\n", row.label, row.n)
	}
}

// latencyRows maps histogram keys to the names a reader knows them by.
// An optional row is printed only when the run has it.
var latencyRows = []struct {
	key, label string
	optional   bool
}{
	{"produce_ack", "produce-ack", false},
	{"e2e_from_intended", "end-to-end (from intended)", false},
	{"e2e_from_sent", "end-to-end (from sent)", false},
	{result.SinkWriteLatency, "kitchen db write", true},
}

func latencyTable(p *printer, r *result.Result) {
	p.f("\n%-28s %9s %9s %9s %9s %9s %9s\n", "latency (ms)", "p50", "p90", "p99", "p99.9", "max", "count")
	for _, row := range latencyRows {
		l, ok := r.Latency[row.key]
		if !ok && row.optional {
			continue
		}
		if !ok {
			p.f("  %-26s %9s %9s %9s %9s %9s %9s\n", row.label, "-", "-", "-", "-", "-", "-")
			continue
		}
		p.f("  %-26s %9.2f %9.2f %9.2f %9.2f %9.2f %9d\n",
			row.label, l.P50, l.P90, l.P99, l.P999, l.Max, l.Count)
	}
}

func phaseTable(p *printer, r *result.Result) {
	if len(r.Phases) == 0 {
		return
	}
	p.f("\n%-28s %7s %9s %9s %9s %9s %9s\n", "phases", "t", "acked", "acks/s", "ack p99", "e2e p99", "ack gap")
	for _, ph := range r.Phases {
		p.f("  %-26s %7s %9d %9.0f %9.2f %9.2f %9s\n", ph.Name, fmt.Sprintf("%+.1fs", ph.T), ph.Acked, ph.Throughput,
			ph.ProduceAck.P99, ph.E2E.P99, (time.Duration(ph.MaxAckGap * float64(time.Second))).Round(time.Millisecond))
	}
}

func recoveryTable(p *printer, r *result.Result) {
	if len(r.Recoveries) == 0 {
		return
	}
	p.f("\n%-40s %9s %12s %12s\n", "recovery", "lag before", "first ack", "lag back")
	for _, rc := range r.Recoveries {
		first := after(rc.FirstAck)
		if rc.Kind == "flood" {
			first = "-" // acks go on through a flood
		}
		p.f("  %-38s %9d %12s %12s\n", rc.What, rc.LagLevel, first, after(rc.LagBack))
		if line := windowsLine(rc); line != "" {
			p.f("    %s\n", line)
		}
	}
}

// windowsLine gives a recovery's before/during/after figures on one line.
func windowsLine(rc result.Recovery) string {
	var parts []string
	for _, w := range rc.Windows() {
		parts = append(parts, fmt.Sprintf("%s %.0f acks/s, %.0f processed/s, ack p99 %.1fms, e2e p99 %.0fms",
			w.Name, w.AcksPerS, w.ProcessedPerS, w.AckP99, w.E2EP99))
	}
	return strings.Join(parts, " · ")
}

// after prints seconds after an end, or "never".
func after(s *float64) string {
	if s == nil {
		return "never"
	}
	return fmt.Sprintf("+%.2fs", *s)
}

func groupLine(p *printer, r *result.Result) {
	if r.Group == nil {
		return
	}
	var total, worst float64
	worstP := -1
	for i, s := range r.Group.UnownedS {
		total += s
		if s > worst {
			worst, worstP = s, i
		}
	}
	p.f("\ngroup\n  %d rebalances during the workload, %d membership changes; partitions without an owner %.1fs in all",
		r.Group.Rebalances, len(r.Group.Changes), total)
	if worstP >= 0 {
		p.f(" (most: partition %d, %.1fs)", worstP, worst)
	}
	p.f("\n")
}

// timeline lists the fault actions and, among them in time order, each
// distinct consumer error from its first sighting.
func timeline(p *printer, r *result.Result) {
	type line struct {
		t    float64
		text string
	}
	var lines []line
	for _, e := range r.Timeline {
		lines = append(lines, line{e.T, fmt.Sprintf("%-6s  %s", e.Action, timelineText(e))})
	}
	for _, e := range r.ConsumerErrors {
		lines = append(lines, line{e.First, fmt.Sprintf("%-6s  consumer  %d× until t+%.1fs: %s", "error", e.Count, e.Last, clip(e.Error, 160))})
	}
	for _, e := range mostFrequent(r.ProducerErrors, 10) {
		lines = append(lines, line{e.First, fmt.Sprintf("%-6s  producer  %d× until t+%.1fs: %s", "error", e.Count, e.Last, clip(e.Error, 160))})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return cmp.Compare(a.t, b.t) })
	switch {
	case len(r.ProducerErrors) > 0:
		p.f("\nfaults and client errors\n")
	case len(r.ConsumerErrors) > 0:
		p.f("\nfaults and consumer errors\n")
	default:
		p.f("\nfaults\n")
	}
	if len(lines) == 0 {
		p.f("  (none)\n")
	}
	for _, l := range lines {
		p.f("  %-9s %s\n", fmt.Sprintf("t+%.1fs", l.t), l.text)
	}
}

// mostFrequent is the n errors seen most often (the result keeps them all).
func mostFrequent(errs []result.ErrorSpan, n int) []result.ErrorSpan {
	errs = slices.Clone(errs)
	slices.SortStableFunc(errs, func(a, b result.ErrorSpan) int { return cmp.Compare(b.Count, a.Count) })
	return errs[:min(n, len(errs))]
}

// clip shortens s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// timelineText joins the non-empty parts of one fault action.
func timelineText(e result.TimelineEntry) string {
	parts := []string{e.Fault}
	if e.Target != "" {
		parts = append(parts, e.Target)
	}
	if e.Detail != "" {
		parts = append(parts, "("+e.Detail+")")
	}
	if e.Error != "" {
		parts = append(parts, "error: "+e.Error)
	}
	return strings.Join(parts, "  ")
}

// maxLag is one partition's worst lag; offsets and seconds peak separately.
type maxLag struct {
	offsets int64
	seconds float64
}

func lagTable(p *printer, r *result.Result) {
	peaks := maxLagByPartition(r.Lag)
	p.f("\n%-28s %9s %9s\n", "max lag per partition", "offsets", "seconds")
	if len(peaks) == 0 {
		p.f("  (no samples)\n")
	}
	for _, part := range slices.Sorted(maps.Keys(peaks)) {
		p.f("  %-26s %9d %9.2f\n", fmt.Sprintf("partition %d", part), peaks[part].offsets, peaks[part].seconds)
	}
}

func maxLagByPartition(points []ledger.LagPoint) map[int32]maxLag {
	peaks := make(map[int32]maxLag)
	for _, pt := range points {
		m := peaks[pt.Partition]
		peaks[pt.Partition] = maxLag{max(m.offsets, pt.Offsets), max(m.seconds, pt.Seconds)}
	}
	return peaks
}

func resultPath(p *printer, r *result.Result) {
	if r.Path != "" {
		p.f("\nresult: %s\n", r.Path)
	}
}

// externalFate says what became of the run's topics and groups.
func externalFate(e *result.External) string {
	switch {
	case e.Kept:
		return " (kept: --keep)"
	case len(e.Leftovers) > 0:
		return " (not all deleted)"
	}
	return " (deleted)"
}
