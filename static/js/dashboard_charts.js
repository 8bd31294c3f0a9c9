/* Small trend charts on the organizer dashboard (uPlot, vendored).
 *
 * Data comes from the json_script element #trend-data; each .chart element names its series
 * (data-series) and its x axis (data-axis: "months" or "snapshots"). The same numbers are in a
 * table under the charts for screen readers and without JavaScript.
 */
(function () {
  "use strict";

  var dataEl = document.getElementById("trend-data");
  if (!dataEl || typeof window.uPlot !== "function") {
    return;
  }
  var trends = JSON.parse(dataEl.textContent);

  function xValues(axis) {
    if (axis === "months") {
      return trends.months.map(function (m) {
        return Date.parse(m + "T00:00:00Z") / 1000;
      });
    }
    return trends.snapshots.at;
  }

  function yValues(name) {
    if (name in trends.snapshots) {
      return trends.snapshots[name];
    }
    return trends[name] || [];
  }

  document.querySelectorAll(".chart[data-series]").forEach(function (el) {
    var name = el.getAttribute("data-series");
    var axis = el.getAttribute("data-axis");
    var xs = xValues(axis);
    var ys = yValues(name);
    if (!xs.length) {
      el.textContent = "No data yet.";
      return;
    }
    var width = Math.max(220, el.clientWidth || 280);
    var bars = axis === "months";
    var options = {
      width: width,
      height: 130,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      axes: [{ size: 28, font: "10px sans-serif" }, { size: 40, font: "10px sans-serif" }],
      series: [
        {},
        {
          label: name,
          stroke: "#1f7a5c",
          width: 2,
          fill: bars ? "rgba(31,122,92,0.35)" : "rgba(31,122,92,0.1)",
          points: { show: xs.length < 3 },
          paths: bars && window.uPlot.paths && window.uPlot.paths.bars ? window.uPlot.paths.bars({ size: [0.6, 40] }) : undefined
        }
      ]
    };
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", name.replace(/_/g, " ") + ": " + ys.join(", "));
    new window.uPlot(options, [xs, ys], el);
  });
})();
