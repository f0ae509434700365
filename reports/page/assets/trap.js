// Shared by every chaosrun page, before the page's own script: errors (the
// page's and console.error's) are written into the page (#errors,
// data-errors) so a headless browser test can see them. The page's script
// reports through chaosrunPage.fail and ends with chaosrunPage.done(charts),
// which sets data-charts to the charts drawn.
var chaosrunPage = (function () {
  "use strict";
  var errors = [];
  function fail(msg) {
    errors.push(String(msg));
    var li = document.createElement("li");
    li.textContent = String(msg);
    document.getElementById("errors").appendChild(li);
    document.body.dataset.errors = String(errors.length);
  }
  window.addEventListener("error", function (e) { fail(e.message); });
  var origError = console.error;
  console.error = function () { fail(Array.prototype.join.call(arguments, " ")); origError.apply(console, arguments); };
  function done(charts) {
    document.body.dataset.charts = String(charts);
    document.body.dataset.drawnMs = String(Math.round(performance.now()));
    document.body.dataset.errors = String(errors.length);
  }
  return { fail: fail, done: done };
})();
