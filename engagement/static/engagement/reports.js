/* Draws each report chart with the vendored Chart.js from its json_script data block (no inline script,
   so the admin's Content-Security-Policy holds). The table under each chart holds the same numbers. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return; // the tables still show every number
  }
  var palette = ["#2e1f5e", "#007d7e", "#e9b04d", "#cd4444", "#3b82f6", "#7c3aed"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var chart = new window.Chart(canvas, {
      type: spec.kind,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: palette[index % palette.length],
            borderColor: palette[index % palette.length],
            tension: 0.2,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
    canvas.dataset.drawn = chart.data.datasets.length ? "true" : "false";
  });
})();
