// Draws the report's charts from the embedded data with uPlot. Its errors go
// to the shared trap (reports/page), which also counts the charts drawn.
(function () {
  "use strict";
  var drawn = 0, fail = chaosrunPage.fail;

  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var width = Math.min(1150, document.body.clientWidth || 1150);

  // Fault windows, shaded behind the series of a time chart.
  function shade(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = "rgba(220, 60, 60, 0.12)";
    data.faults.forEach(function (f) {
      var x0 = u.valToPos(f.from, "x", true), x1 = u.valToPos(f.to, "x", true);
      var w = Math.max(x1 - x0, 2);
      ctx.fillRect(x0, u.bbox.top, w, u.bbox.height);
    });
    ctx.restore();
  }

  function plot(id, xLabel, c, opts) {
    var el = document.getElementById(id);
    if (!c || !c.x || c.x.length === 0 || c.series.length === 0) {
      el.textContent = "no data in this run";
      el.classList.add("empty");
      drawn++;
      return;
    }
    var series = [{ label: xLabel }];
    c.series.forEach(function (s, i) {
      // No line across a gap: a second without a sample is not a value.
      series.push({ label: s.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: false });
    });
    var cfg = {
      width: width, height: 300, series: series,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, { label: opts.yLabel }],
      hooks: opts.faults ? { drawClear: [shade] } : {}
    };
    if (opts.log) { cfg.scales.y = { distr: 3 }; }
    if (opts.xValues) { cfg.axes[0].values = opts.xValues; }
    var aligned = [c.x].concat(c.series.map(function (s) {
      return s.values.map(function (v) { return v === null || (opts.log && v <= 0) ? null : v; });
    }));
    new uPlot(cfg, aligned, el);
    drawn++;
  }

  try {
    plot("chart-lag", "seconds since start", data.lag, { yLabel: "seconds behind", faults: true });
    plot("chart-throughput", "seconds since start", data.throughput, { yLabel: "records/s", faults: true });
    plot("chart-latency", "seconds since start", data.latency, { yLabel: "ms", faults: true, log: true });
    var d = data.distribution;
    plot("chart-distribution", "percentile", { x: d.x, series: d.series }, {
      yLabel: "ms", log: true,
      xValues: function (u, splits) {
        return splits.map(function (v) {
          var i = d.x.findIndex(function (x) { return Math.abs(x - v) < 1e-6; });
          return i >= 0 ? d.labels[i] : "p" + (100 * (1 - Math.pow(10, -v))).toPrecision(4);
        });
      }
    });
  } catch (e) {
    fail(e && e.stack ? e.stack : e);
  }
  chaosrunPage.done(drawn);
})();
