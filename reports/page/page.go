package page

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"os"
)

// The charting library, embedded so a page works offline: uPlot (MIT, see
// assets/uPlot.LICENSE), from npm's uplot package.
var (
	//go:embed assets/uPlot.iife.min.js
	uplotJS string
	//go:embed assets/uPlot.min.css
	uplotCSS string
	//go:embed assets/uPlot.LICENSE
	uplotLicense string
	//go:embed assets/trap.js
	trapJS string
	//go:embed assets/shell.html.tmpl
	shellTmpl string
)

// Chrome is what every page carries besides its own markup. A page's view
// embeds it; its template calls {{template "page-head" .}} in <head> and
// {{template "page-scripts" .}} at the end of <body>, which needs an
// <ul id="errors"> for the trap to write into.
type Chrome struct {
	UPlotJS, TrapJS, JS template.JS
	UPlotCSS, CSS       template.CSS
	UPlotLicense        string
	Data                template.JS // the chart data, JSON, read by the page's script
}

// NewChrome wraps a page's script and style with the shared ones, and
// its chart data as JSON.
func NewChrome(js, css string, data any) (Chrome, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return Chrome{}, err
	}
	return Chrome{UPlotJS: template.JS(uplotJS), TrapJS: template.JS(trapJS), JS: template.JS(js),
		UPlotCSS: template.CSS(uplotCSS), CSS: template.CSS(css), UPlotLicense: uplotLicense, Data: template.JS(b)}, nil
}

// Parse parses a page's template with the shell's "page-head" and
// "page-scripts" defined; it panics on a bad template, as they are embedded.
func Parse(name, text string, funcs template.FuncMap) *template.Template {
	t := template.Must(template.New(name).Funcs(funcs).Parse(text))
	return template.Must(t.Parse(shellTmpl))
}

// Write renders view into file; a failed render leaves no half page.
func Write(file string, t *template.Template, view any) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, view); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}
