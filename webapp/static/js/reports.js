/* Draws a report's chart with Chart.js from the JSON block #report-data (the CSP forbids inline scripts). */
(function () {
  "use strict";
  var COLOURS = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14", "#6c757d"];

  function datasets(data) {
    return data.datasets.map(function (set, index) {
      var colour = data.colours || (data.kind === "doughnut" ? COLOURS.slice(0, set.data.length)
        : COLOURS[index % COLOURS.length]);
      return { label: set.label, data: set.data, backgroundColor: colour, borderColor: colour };
    });
  }

  function draw() {
    var block = document.getElementById("report-data");
    var canvas = document.getElementById("report-chart");
    if (!block || !canvas || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(block.textContent);
    var doughnut = data.kind === "doughnut";
    new Chart(canvas, {
      type: doughnut ? "doughnut" : "bar",
      data: { labels: data.labels, datasets: datasets(data) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: doughnut ? {} : { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
