/* Draw one Chart.js chart per panel from the JSON the page embeds with json_script.
 * A panel's spec: {type, x, y (a column or a list of columns), series (optional column, or list of columns,
 * splitting y), stacked, carry (y is a running total: a series keeps its last value where it has no row)}.
 * Legends and axes use the columns' labels and the words the report gives stored values (payload.labels,
 * payload.names), never raw column names.
 * Only textContent and Chart.js labels receive data, never innerHTML, so names cannot inject markup. */
(function () {
  "use strict";
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                "#bcbd22", "#17becf"];

  function unique(values) {
    var seen = [];
    values.forEach(function (v) { if (seen.indexOf(v) < 0) { seen.push(v); } });
    return seen;
  }

  function named(payload, column, value) {
    var names = payload.names && payload.names[column];
    var text = value === null || value === undefined ? "" : String(value);
    if (names && Object.prototype.hasOwnProperty.call(names, text)) { return names[text]; }
    return text === "" ? "(unnamed)" : text;
  }

  function labelOf(spec, row, payload) {
    return named(payload, spec.x, row[spec.x]);
  }

  function seriesOf(spec, row, payload) {
    var columns = Array.isArray(spec.series) ? spec.series : [spec.series];
    return columns.map(function (column) { return named(payload, column, row[column]); }).join(": ");
  }

  function datasets(spec, rows, labels, payload) {
    var ys = Array.isArray(spec.y) ? spec.y : [spec.y];
    if (spec.series) {
      return unique(rows.map(function (r) { return seriesOf(spec, r, payload); })).map(function (name, i) {
        var last = 0;
        var values = labels.map(function (label) {
          var total = 0, found = false;
          rows.forEach(function (r) {
            if (labelOf(spec, r, payload) === label && seriesOf(spec, r, payload) === name) {
              total += Number(r[ys[0]]) || 0;
              found = true;
            }
          });
          /* A running total (spec.carry) keeps its value on days without a row; counts are 0 there. */
          last = found || !spec.carry ? total : last;
          return last;
        });
        return { label: name, data: values, backgroundColor: COLORS[i % COLORS.length],
                 borderColor: COLORS[i % COLORS.length] };
      });
    }
    return ys.map(function (y, i) {
      return { label: (payload.labels && payload.labels[y]) || y, data: rows.map(function (r) { return Number(r[y]) || 0; }),
               backgroundColor: spec.type === "doughnut" ? COLORS : COLORS[i % COLORS.length],
               borderColor: COLORS[i % COLORS.length] };
    });
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    if (!source || typeof Chart === "undefined") { return; }
    var payload = JSON.parse(source.textContent);
    var spec = payload.chart, rows = payload.rows;
    var all = rows.map(function (r) { return labelOf(spec, r, payload); });
    var labels = spec.series ? unique(all) : all;
    var scales = spec.type === "doughnut" ? {} : {
      x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true }
    };
    canvas.oarsChart = new Chart(canvas, {
      type: spec.type,
      data: { labels: labels, datasets: datasets(spec, rows, labels, payload) },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: scales }
    });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-source]"), draw);
    document.documentElement.setAttribute("data-oars-charts", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
