/* The credit map's chart: share of credit households per village (data from #credit-chart-data). */
(function () {
  "use strict";
  function draw() {
    var block = document.getElementById("credit-chart-data");
    var canvas = document.getElementById("credit-chart");
    if (!block || !canvas || typeof Chart === "undefined") { return; }
    var data = JSON.parse(block.textContent);
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: data.label, data: data.data, backgroundColor: "#198754" }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 scales: { y: { beginAtZero: true, max: 100 } }, plugins: { legend: { position: "bottom" } } }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
