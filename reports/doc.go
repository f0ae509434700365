// Package reports turns a finished run into its record and its renderings.
//
// A Result, written as a versioned result.json (schema chaosrun.result/v1), is
// the single source of truth for a run. Everything else is a small function of
// it: the terminal Summary, the .hgrm percentile files for HdrHistogram
// plotters. Renderers never judge; Judge does that once, on the Result.
package reports
