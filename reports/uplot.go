package reports

import _ "embed"

//go:embed assets/uPlot.LICENSE
var uplotLicense string

// UPlotJS is the embedded uPlot library (v1.6, MIT), for other packages'
// self-contained pages.
func UPlotJS() string { return uplotJS }

// UPlotCSS is uPlot's stylesheet.
func UPlotCSS() string { return uplotCSS }

// UPlotLicense is uPlot's licence text, to ship beside it.
func UPlotLicense() string { return uplotLicense }
