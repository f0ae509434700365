// Package page is the machinery the run report (reports) and the capacity
// report (capacity) share to make one self-contained HTML page: the embedded
// uPlot charting library, the script that traps a page's errors for the
// headless-browser tests, and the template shell that puts them, the page's
// own script and style, and its chart data into the page.
package page
