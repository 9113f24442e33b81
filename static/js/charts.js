// Draw the results page's Plotly charts; clicking a chart seeks the video.
(function () {
  const data = JSON.parse(document.getElementById("charts-data").textContent);
  const player = document.getElementById("player");
  const config = { responsive: true, displaylogo: false };

  // Event markers: a dashed line and its label on every chart with time on the x axis.
  const markerShapes = (data.markers || []).map((m) => ({
    type: "line", xref: "x", yref: "paper", x0: m.t, x1: m.t, y0: 0, y1: 1,
    line: { color: "#444", width: 1, dash: "dot" },
  }));
  const markerLabels = (data.markers || []).map((m) => ({
    xref: "x", yref: "paper", x: m.t, y: 1, yanchor: "bottom", text: m.label, showarrow: false,
    font: { size: 10, color: "#444" },
  }));

  function draw(id, figure) {
    const element = document.getElementById(id);
    if (!element || !figure) return;
    const layout = Object.assign({}, figure.layout, {
      shapes: (figure.layout.shapes || []).concat(markerShapes),
      annotations: (figure.layout.annotations || []).concat(markerLabels),
    });
    Plotly.newPlot(element, figure.data, layout, config);
    element.on("plotly_click", (event) => {
      const t = event.points && event.points[0] && event.points[0].x;
      if (player && typeof t === "number") {
        player.currentTime = t;
        player.play();
      }
    });
  }

  if (data.distribution) {
    const element = document.getElementById("chart-distribution");
    if (element) Plotly.newPlot(element, data.distribution.data, data.distribution.layout, config);
  }
  const now = document.getElementById("marker-now");
  if (now && player) {
    now.addEventListener("click", () => {
      document.getElementById("marker-time").value = player.currentTime.toFixed(1);
    });
  }
  draw("chart-group", data.group);
  draw("chart-heatmap", data.heatmap);
  for (const link of document.querySelectorAll("[data-seek]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (player) {
        player.currentTime = Number(link.dataset.seek);
        player.play();
      }
    });
  }
  for (const [personId, figures] of Object.entries(data.persons)) {
    draw(`chart-emotions-${personId}`, figures.emotions);
    draw(`chart-dominant-${personId}`, figures.dominant);
  }
})();
