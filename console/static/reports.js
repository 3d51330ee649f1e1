// The report chart: a bar chart (horizontal when the data asks: the IVR funnel) of the report's series (Chart.js, vendored), from #report-data.
(function () {
  "use strict";
  const data = document.getElementById("report-data");
  const canvas = document.getElementById("report-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  const chart = JSON.parse(data.textContent);
  const names = {};
  document.querySelectorAll("#series-names li").forEach((li) => { names[li.dataset.key] = li.textContent; });
  const colours = ["#0d6efd", "#198754", "#dc3545"];
  const datasets = chart.series.map(([key, values], i) => ({
    label: names[key] || key, data: values, backgroundColor: colours[i % colours.length],
  }));
  const drawn = new Chart(canvas, {
    type: "bar",
    data: { labels: chart.labels, datasets: datasets },
    // a funnel (IVR report) is drawn with horizontal bars, the first node on top
    options: { animation: false, responsive: true, aspectRatio: 3, indexAxis: chart.horizontal ? "y" : "x" },
  });
  canvas.dataset.rendered = String(drawn.data.datasets.length);
})();
