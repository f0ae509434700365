package reports

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/reports/page"
	"github.com/chaosrun/chaosrun/result"
)

// The report's own template, script and style; uPlot and the shell come
// from page.
var (
	//go:embed assets/report.js
	reportJS string
	//go:embed assets/report.css
	reportCSS string
	//go:embed assets/report.html.tmpl
	reportTmpl string
	//go:embed assets/index.html.tmpl
	indexTmpl string
)

var (
	reportPage = page.Parse("report", reportTmpl, template.FuncMap{"windows": windowTexts})
	indexPage  = template.Must(template.New("index").Parse(indexTmpl))
)

// chartData is what the page's script draws: every series aligned on one x
// axis of seconds since the workload started, null where a series has no
// point.
type chartData struct {
	Faults       []window     `json:"faults"`
	Lag          chart        `json:"lag"`
	Throughput   chart        `json:"throughput"`
	Latency      chart        `json:"latency"`
	Distribution distribution `json:"distribution"`
}

// window is a fault's span, shaded on the time charts.
type window struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Label string  `json:"label"`
}

type chart struct {
	X      []float64 `json:"x"`
	Series []series  `json:"series"`
}

type series struct {
	Label  string     `json:"label"`
	Values []*float64 `json:"values"`
}

// distribution is latency by percentile, HdrHistogram's way: x is
// -log10(1 - q), so 90%, 99%, 99.9% are evenly spaced.
type distribution struct {
	X      []float64 `json:"x"`
	Labels []string  `json:"labels"` // the percentile at each x
	Series []series  `json:"series"`
}

// htmlView is the page's data.
type htmlView struct {
	page.Chrome
	R        *result.Result
	Duration time.Duration
	Rows     []verdictRow
}

type verdictRow struct {
	Status, Name, Summary string
	First, Details        []string
}

// WriteHTML renders r as one self-contained page.
func WriteHTML(w io.Writer, r *result.Result) error {
	v, err := htmlViewOf(r)
	if err != nil {
		return err
	}
	return reportPage.Execute(w, v)
}

func htmlViewOf(r *result.Result) (htmlView, error) {
	chrome, err := page.NewChrome(reportJS, reportCSS, chartsOf(r))
	if err != nil {
		return htmlView{}, err
	}
	v := htmlView{Chrome: chrome, R: r, Duration: runDuration(r)}
	for _, a := range r.Assertions {
		v.Rows = append(v.Rows, verdictRow{Status: status(a), Name: a.Name, Summary: a.Summary, First: a.First, Details: a.Details})
	}
	return v, nil
}

func writeHTMLOf(dir string, r *result.Result) error {
	v, err := htmlViewOf(r)
	if err != nil {
		return err
	}
	return page.Write(filepath.Join(dir, "report.html"), reportPage, v)
}

func chartsOf(r *result.Result) chartData {
	start := r.StartedAt
	t := func(at time.Time) float64 { return math.Round(at.Sub(start).Seconds()*10) / 10 }
	var d chartData
	open := map[string]float64{}
	for _, e := range r.Timeline {
		// A heal at the end of the run names its target with a suffix.
		key := e.Fault + " " + strings.TrimSuffix(e.Target, " (end of run)")
		switch e.Action {
		case result.ActionInject:
			open[key] = e.T
		case result.ActionHeal:
			if from, ok := open[key]; ok {
				d.Faults = append(d.Faults, window{From: from, To: e.T, Label: e.Fault})
				delete(open, key)
			}
		}
	}
	for key, from := range open { // never healed within the record, or momentary
		d.Faults = append(d.Faults, window{From: from, To: from, Label: key})
	}
	slices.SortFunc(d.Faults, func(a, b window) int { return cmp.Compare(a.From, b.From) })

	// Lag per partition, in seconds behind.
	lag := newAligner()
	for _, p := range r.Lag {
		lag.set(fmt.Sprintf("partition %d", p.Partition), t(p.At), p.Seconds)
	}
	d.Lag = lag.chart()

	per := newAligner()
	for _, p := range r.SentSeries {
		per.set("sent/s", t(p.At), float64(p.Count))
	}
	for _, p := range r.AckSeries {
		per.set("acked/s", t(p.At), float64(p.Count))
	}
	for _, p := range r.E2ESeries {
		per.set("processed/s", t(p.At), float64(p.Count))
	}
	// A second without a send, ack or processing is a zero, not a gap.
	d.Throughput = per.chart()
	d.Throughput.fillSeconds()

	lat := newAligner()
	for _, p := range r.AckSeries {
		lat.set("produce-ack p50", t(p.At), p.P50)
		lat.set("produce-ack p99", t(p.At), p.P99)
	}
	for _, p := range r.E2ESeries {
		lat.set("end-to-end p50", t(p.At), p.P50)
		lat.set("end-to-end p99", t(p.At), p.P99)
	}
	d.Latency = lat.chart()
	d.Distribution = distributionOf(r)
	return d
}

// aligner collects named series on a shared x axis.
type aligner struct {
	order []string
	vals  map[string]map[float64]float64
	xs    map[float64]bool
}

func newAligner() *aligner {
	return &aligner{vals: map[string]map[float64]float64{}, xs: map[float64]bool{}}
}

// set keeps the largest value seen for name at x.
func (a *aligner) set(name string, x, v float64) {
	m, ok := a.vals[name]
	if !ok {
		m = map[float64]float64{}
		a.vals[name] = m
		a.order = append(a.order, name)
	}
	if old, seen := m[x]; !seen || v > old {
		m[x] = v
	}
	a.xs[x] = true
}

func (a *aligner) chart() chart {
	var c chart
	for x := range a.xs {
		c.X = append(c.X, x)
	}
	slices.Sort(c.X)
	names := slices.Clone(a.order)
	slices.Sort(names)
	for _, name := range names {
		s := series{Label: name, Values: make([]*float64, len(c.X))}
		for i, x := range c.X {
			if v, ok := a.vals[name][x]; ok {
				s.Values[i] = &v
			}
		}
		c.Series = append(c.Series, s)
	}
	return c
}

// fillSeconds makes x every whole second from the first to the last, each
// series zero where it had no point (counts per second).
func (c *chart) fillSeconds() {
	if len(c.X) == 0 {
		return
	}
	first, last := math.Floor(c.X[0]), math.Ceil(c.X[len(c.X)-1])
	var xs []float64
	for x := first; x <= last; x++ {
		xs = append(xs, x)
	}
	for i := range c.Series {
		byX := map[float64]float64{}
		for j, x := range c.X {
			if v := c.Series[i].Values[j]; v != nil {
				byX[math.Round(x)] = math.Max(byX[math.Round(x)], *v)
			}
		}
		vals := make([]*float64, len(xs))
		for j, x := range xs {
			v := byX[x]
			vals[j] = &v
		}
		c.Series[i].Values = vals
	}
	c.X = xs
}

// distributionOf reads the stored histograms back for the percentile curve.
func distributionOf(r *result.Result) distribution {
	qs := []float64{0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999}
	var d distribution
	for _, q := range qs {
		d.X = append(d.X, -math.Log10(1-q/100))
		d.Labels = append(d.Labels, fmt.Sprintf("p%g", q))
	}
	for _, name := range []string{"produce_ack", "e2e_from_intended", result.SinkWriteLatency} {
		l, ok := r.Latency[name]
		if !ok || l.HDR == "" {
			continue
		}
		h, err := hdrhistogram.Decode([]byte(l.HDR))
		if err != nil || h.TotalCount() == 0 {
			continue
		}
		s := series{Label: name + " (ms)"}
		for _, q := range qs {
			v := float64(h.ValueAtQuantile(max(q, 0.0001))) / result.MicrosPerMs
			s.Values = append(s.Values, &v)
		}
		d.Series = append(d.Series, s)
	}
	return d
}

// WriteIndex writes a gate's page linking each run's report.
func WriteIndex(w io.Writer, title string, results []*result.Result, reportOf func(*result.Result) string) error {
	type row struct {
		R      *result.Result
		Link   string
		Status string
	}
	var rows []row
	for _, r := range results {
		st := "met"
		switch {
		case r.Error != "":
			st = "error"
		case !r.ExpectationMet:
			st = "not met"
		}
		rows = append(rows, row{R: r, Link: reportOf(r), Status: st})
	}
	return indexPage.Execute(w, struct {
		Title string
		Rows  any
		CSS   template.CSS
	}{title, rows, template.CSS(reportCSS)})
}

// windowTexts are a recovery's before/during/after figures, one per line.
func windowTexts(rc result.Recovery) []string {
	var out []string
	for _, w := range rc.Windows() {
		out = append(out, fmt.Sprintf("%s (t+%.0fs to t+%.0fs): %.0f acks/s, %.0f processed/s, ack p50 %.1fms, ack p99 %.1fms (worst second), e2e p99 %.0fms (worst second)",
			w.Name, w.From, w.To, w.AcksPerS, w.ProcessedPerS, w.AckP50, w.AckP99, w.E2EP99))
	}
	return out
}
