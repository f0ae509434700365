// Package reports renders a run's result.Result: the result.json record
// itself (WriteJSON, ReadJSON), the terminal Summary, the .hgrm percentile
// files for HdrHistogram plotters, the HTML report, and a gate's JUnit,
// Markdown and index page. Every renderer is a function of the Result alone;
// none judges (result does that once). Outputs lists what every run writes.
package reports
