package capacity

import (
	_ "embed"
	"html/template"
	"math"
	"slices"
	"time"

	"github.com/chaosrun/chaosrun/reports/page"
)

// The page's own template, script and style; uPlot and the shell come
// from page.
var (
	//go:embed assets/capacity.html.tmpl
	pageTmpl string
	//go:embed assets/capacity.js
	pageJS string
	//go:embed assets/capacity.css
	pageCSS string
)

var capacityPage = page.Parse("capacity", pageTmpl, template.FuncMap{
	"thousands": Thousands,
	"rate":      RateText,
	"ms":        ms,
	"inc":       func(i int) int { return i + 1 },
	"float":     func(n int64) float64 { return float64(n) },
})

// rateCharts is what the page's script draws: every search's probes on one
// x axis of target rates, null where a search has no probe at that rate.
type rateCharts struct {
	X             []float64    `json:"x"`
	Series        []rateSeries `json:"series"`
	Target        float64      `json:"target,omitempty"`
	MaxLag        float64      `json:"maxLag,omitempty"`
	ProducersOnly bool         `json:"producersOnly"`
}

// rateSeries is one search (a combination, healthy or under the fault).
type rateSeries struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Faulted bool   `json:"faulted"`
	// Latency is the end-to-end p99 in ms (produce-ack p99 when only the
	// producers ran); null where not positive, for the log scale.
	Latency []*float64 `json:"latency"`
	Lag     []*float64 `json:"lag"` // the worst partition's lag, seconds
	Held    []*bool    `json:"held"`
	Limit   []string   `json:"limit"`
}

// htmlView is the page's data.
type htmlView struct {
	R              *Report
	Started, Ended string
	Duration       time.Duration
	TargetMet      bool
	Rows           []htmlRow
	page.Chrome
	LatencyIsProduce bool
}

type htmlRow struct {
	Result
	Shape         string
	P50, P99, Ack string
	FirstFailed   string
}

// WriteHTML writes the report as one self-contained page: the table, the
// latency and lag against rate of every search, and every probe.
func (rep *Report) WriteHTML(file string) error {
	chrome, err := page.NewChrome(pageJS, pageCSS, rep.charts())
	if err != nil {
		return err
	}
	v := htmlView{R: rep, Chrome: chrome, TargetMet: rep.Target > 0 && rep.TargetMet(), LatencyIsProduce: rep.ProducersOnly}
	const layout = "2006-01-02 15:04:05 MST"
	v.Started, v.Ended = "-", "-"
	if !rep.StartedAt.IsZero() {
		v.Started = rep.StartedAt.Format(layout)
	}
	if !rep.EndedAt.IsZero() {
		v.Ended = rep.EndedAt.Format(layout)
		if !rep.StartedAt.IsZero() {
			v.Duration = rep.EndedAt.Sub(rep.StartedAt).Round(time.Second)
		}
	}
	for _, r := range rep.Results {
		row := htmlRow{Result: r, Shape: r.shape(rep.ProducersOnly), P50: "-", P99: "-", Ack: "-", FirstFailed: "-"}
		if a := r.AtMax; a != nil {
			row.Ack = ms(a.PublishLatency99pct)
			if !rep.ProducersOnly {
				row.P50, row.P99 = ms(a.EndToEndLatency50pct), ms(a.EndToEndLatency99pct)
			}
		}
		if r.FirstFailedRate != nil {
			row.FirstFailed = RateText(*r.FirstFailedRate)
		}
		v.Rows = append(v.Rows, row)
	}
	return page.Write(file, capacityPage, v)
}

// charts aligns every search's probes on the union of their target rates.
func (rep *Report) charts() rateCharts {
	c := rateCharts{Target: finite(rep.Target), MaxLag: finite(rep.Probe.MaxLagSeconds), ProducersOnly: rep.ProducersOnly}
	for _, r := range rep.Results {
		for _, p := range r.Probes {
			if x := finite(p.TargetRate); x > 0 && !slices.Contains(c.X, x) {
				c.X = append(c.X, x)
			}
		}
	}
	slices.Sort(c.X)
	c.X = slices.Clip(c.X)
	if c.X == nil {
		c.X = []float64{}
	}
	for _, r := range rep.Results {
		s := rateSeries{Name: r.Name, Label: r.Name, Faulted: r.Fault != "", Latency: make([]*float64, len(c.X)),
			Lag: make([]*float64, len(c.X)), Held: make([]*bool, len(c.X)), Limit: make([]string, len(c.X))}
		if s.Faulted {
			s.Label += " under " + r.Fault
		}
		// A rate probed twice shows its last probe.
		for _, p := range r.Probes {
			i, ok := slices.BinarySearch(c.X, finite(p.TargetRate))
			if !ok {
				continue
			}
			lat := p.EndToEndLatency99pct
			if rep.ProducersOnly {
				lat = p.PublishLatency99pct
			}
			s.Latency[i], s.Lag[i] = positive(lat), nonNegative(p.MaxLagSeconds)
			held := p.Sustained
			s.Held[i], s.Limit[i] = &held, p.Limit
		}
		c.Series = append(c.Series, s)
	}
	if c.Series == nil {
		c.Series = []rateSeries{}
	}
	return c
}

func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func positive(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return nil
	}
	return &v
}

func nonNegative(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return nil
	}
	return &v
}
