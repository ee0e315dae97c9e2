// Draws each chart from the JSON beside it. Without JavaScript the summary and the data
// table are still there; the plot is an extra, never the only way to read the figures.
function draw() {
  if (!window.Plotly) return;
  for (const element of document.querySelectorAll("[data-chart]")) {
    const source = document.getElementById(element.dataset.chart);
    if (!source) continue;
    const figure = JSON.parse(source.textContent);
    const layout = { ...figure.layout, height: Number(element.dataset.chartHeight) || 360, autosize: true };
    // No toolbar: its buttons would be focusable inside an image, and one sends data to
    // Plotly's cloud. The figure's data table and CSV are the way to the numbers.
    window.Plotly.newPlot(element, figure.data, layout, {
      displayModeBar: false,
      responsive: true,
      staticPlot: false,
    });
  }
}

if (document.readyState === "complete") {
  draw();
} else {
  window.addEventListener("load", draw);
}
