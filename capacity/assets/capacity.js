// Draws the capacity report's charts from the embedded data with uPlot: one
// line per search against the target rate. Its errors go to the
// shared trap (reports/page), which also counts the charts drawn.
(function () {
  "use strict";
  var drawn = 0, fail = chaosrunPage.fail;

  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var dpr = window.devicePixelRatio || 1;
  var charts = window.capacityCharts = []; // the uPlot instances, for a test's look

  // A rate with thousands separators.
  function thousands(v) {
    if (Math.abs(v) < 10 && v !== Math.round(v)) { return String(+v.toFixed(2)); }
    return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function millis(v) { return v >= 1000 ? (v / 1000).toFixed(2) + "s" : v.toFixed(v < 10 ? 1 : 0) + "ms"; }
  function seconds(v) { return v.toFixed(1) + "s"; }

  // A combination keeps its colour under the fault; the faulted line is dashed.
  function coloursOf(data) {
    var colour = {}, n = 0;
    data.series.forEach(function (s) {
      if (!Object.prototype.hasOwnProperty.call(colour, s.name)) { colour[s.name] = palette[n++ % palette.length]; }
    });
    return colour;
  }

  // markers draws each probe: a dot where the rate held, a cross where it
  // did not; then the target rate and, on the lag chart, the lag limit.
  function markers(data, colour, key) {
    return function (u) {
      var ctx = u.ctx, r = 4 * dpr, b = u.bbox;
      ctx.save();
      ctx.setLineDash([]); // uPlot leaves the last series' dash set
      ctx.beginPath();
      ctx.rect(b.left - 2 * r, b.top - 2 * r, b.width + 4 * r, b.height + 4 * r);
      ctx.clip();
      data.series.forEach(function (s, k) {
        if (!u.series[k + 1].show) { return; }
        var ys = u.data[k + 1];
        ctx.strokeStyle = ctx.fillStyle = colour[s.name];
        ctx.lineWidth = 2 * dpr;
        for (var i = 0; i < ys.length; i++) {
          if (ys[i] === null || s.held[i] === null) { continue; }
          var x = u.valToPos(u.data[0][i], "x", true), y = u.valToPos(ys[i], "y", true);
          ctx.beginPath();
          if (s.held[i]) {
            ctx.arc(x, y, r, 0, 2 * Math.PI);
            ctx.fill();
          } else {
            ctx.fillStyle = "#fff";
            ctx.arc(x, y, r * 1.5, 0, 2 * Math.PI);
            ctx.fill();
            ctx.fillStyle = colour[s.name];
            ctx.beginPath();
            ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
            ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
            ctx.stroke();
          }
        }
      });
      ctx.strokeStyle = "rgba(90, 90, 90, 0.7)";
      ctx.lineWidth = 1.5 * dpr;
      ctx.setLineDash([4 * dpr, 4 * dpr]);
      if (data.target > 0) {
        var tx = u.valToPos(data.target, "x", true);
        ctx.beginPath(); ctx.moveTo(tx, b.top); ctx.lineTo(tx, b.top + b.height); ctx.stroke();
      }
      if (key === "lag" && data.maxLag > 0) {
        var ly = u.valToPos(data.maxLag, "y", true);
        ctx.beginPath(); ctx.moveTo(b.left, ly); ctx.lineTo(b.left + b.width, ly); ctx.stroke();
      }
      ctx.restore();
    };
  }

  function plot(id, data, key, opts) {
    var el = document.getElementById(id);
    var colour = coloursOf(data);
    var cols = data.series.map(function (s) {
      return s[key].map(function (v) { return v === null || (opts.log && v <= 0) ? null : v; });
    });
    var any = cols.some(function (c) { return c.some(function (v) { return v !== null; }); });
    if (data.x.length === 0 || !any) {
      el.textContent = "no probe measured this";
      el.classList.add("empty");
      drawn++;
      return;
    }
    var series = [{ label: "target rate", value: function (u, v) { return v === null || v === undefined ? "--" : thousands(v) + "/s"; } }];
    data.series.forEach(function (s) {
      var line = {
        label: s.label, stroke: colour[s.name], width: 2, spanGaps: true, points: { show: false },
        value: function (u, v, si, i) {
          if (i === null || i === undefined || v === null || v === undefined) { return "--"; }
          var h = s.held[i];
          if (h === null) { return opts.fmt(v); }
          return opts.fmt(v) + (h ? " · held" : " · FAILED" + (s.limit[i] ? " (" + s.limit[i] + ")" : ""));
        }
      };
      if (s.faulted) { line.dash = [8, 5]; }
      series.push(line);
    });
    var cfg = {
      width: Math.min(1150, document.body.clientWidth || 1150), height: 340, series: series,
      scales: { x: { time: false, range: function (u, min, max) {
        // Room for the end markers, and the target in sight.
        if (data.target > 0) { min = Math.min(min, data.target); max = Math.max(max, data.target); }
        var pad = (max - min) * 0.03 || Math.abs(max) * 0.1 || 1;
        return [Math.max(0, min - pad), max + pad];
      } } },
      axes: [
        { label: "target rate (records/s)", values: function (u, splits) { return splits.map(thousands); } },
        { label: opts.yLabel, size: 60 }
      ],
      hooks: { draw: [markers(data, colour, key)] }
    };
    if (opts.log) { cfg.scales.y = { distr: 3 }; }
    if (opts.limit > 0) {
      // From zero, with the limit in sight.
      cfg.scales.y = { range: function (u, min, max) { var hi = Math.max(max, opts.limit); return [0, hi * 1.08]; } };
    }
    charts.push(new uPlot(cfg, [data.x].concat(cols), el));
    drawn++;
  }

  try {
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    plot("chart-latency", data, "latency", { yLabel: data.producersOnly ? "produce-ack p99 (ms)" : "end-to-end p99 (ms)", log: true, fmt: millis });
    plot("chart-lag", data, "lag", { yLabel: "max lag (s)", fmt: seconds, limit: data.maxLag });
  } catch (e) {
    fail(e && e.stack ? e.stack : e);
  }
  chaosrunPage.done(drawn);
})();
