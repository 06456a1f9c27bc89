// Draws every .chart from its data-figure (a plotly figure spec rendered by the server).
// Marks each drawn chart with data-rendered="1" so tests (and people) can tell it worked.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var charts = document.querySelectorAll(".chart[data-figure]");
  if (!charts.length || typeof Plotly === "undefined") { return; }
  charts.forEach(function (el) {
    var fig = JSON.parse(el.getAttribute("data-figure"));
    Plotly.newPlot(el, fig.data, fig.layout, {displaylogo: false, responsive: true,
      locale: "zh-CN", modeBarButtonsToRemove: ["select2d", "lasso2d"]})
      .then(function () { el.setAttribute("data-rendered", "1"); });
  });
});
