// Draw the results page's Plotly charts; clicking a chart seeks the video.
(function () {
  const data = JSON.parse(document.getElementById("charts-data").textContent);
  const player = document.getElementById("player");
  const config = { responsive: true, displaylogo: false };

  function draw(id, figure) {
    const element = document.getElementById(id);
    if (!element || !figure) return;
    Plotly.newPlot(element, figure.data, figure.layout, config);
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
