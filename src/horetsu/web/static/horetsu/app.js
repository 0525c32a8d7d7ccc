/* horetsu web app: draw the Plotly figures of a page and the phone menu. No inline script anywhere. */
(function () {
  "use strict";
  var CONFIG = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"]};

  function drawCharts(root) {
    if (typeof window.Plotly === "undefined") { return; }
    var charts = (root || document).querySelectorAll(".chart[data-figure]:not([data-rendered])");
    Array.prototype.forEach.call(charts, function (el) {
      var src = document.getElementById(el.getAttribute("data-figure"));
      if (!src) { return; }
      var fig = JSON.parse(src.textContent);
      el.setAttribute("data-rendered", "0");
      window.Plotly.newPlot(el, fig.data, fig.layout, CONFIG).then(function () {
        el.setAttribute("data-rendered", "1");
      });
    });
  }

  function menu() {
    var button = document.querySelector("[data-toggle=nav]");
    var nav = document.getElementById("nav");
    if (!button || !nav) { return; }
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    menu();
    drawCharts(document);
  });
  document.addEventListener("htmx:afterSettle", function (e) { drawCharts(e.target); });
})();
