// The results page's Plotly charts, drawn from the #charts-data JSON: the distribution
// (#chart-distribution), the room (#chart-group, #chart-heatmap) and each person's
// (#chart-emotions-ID, #chart-dominant-ID); persons missing from the JSON are fetched from their
// section.person's data-charts-url as they scroll into view. Every chart with time on the x axis
// shows the event markers (data.markers), and clicking it seeks the player through
// window.resultsPlayer (player_seek.js, loaded before this file).
// When a person's emotions chart is drawn, its element fires a bubbling "person-chart-drawn"
// CustomEvent, detail {personId, figure}: the figure as drawn, which baselines.js keeps; listeners
// must be registered before this file runs (it draws the persons that come with the page at once).
(function () {
  const data = JSON.parse(document.getElementById("charts-data").textContent);
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
    if (!element || !figure) return null;
    const layout = Object.assign({}, figure.layout, {
      shapes: (figure.layout.shapes || []).concat(markerShapes),
      annotations: (figure.layout.annotations || []).concat(markerLabels),
    });
    Plotly.newPlot(element, figure.data, layout, config);
    element.on("plotly_click", (event) => {
      const t = event.points && event.points[0] && event.points[0].x;
      if (typeof t === "number") window.resultsPlayer.seek(t);
    });
    return element;
  }

  if (data.distribution) {
    const element = document.getElementById("chart-distribution");
    if (element) Plotly.newPlot(element, data.distribution.data, data.distribution.layout, config);
  }
  draw("chart-group", data.group);
  draw("chart-heatmap", data.heatmap);

  // Persons: the first few come with the page, the others load when they scroll into view.
  function drawPerson(personId, figures) {
    const element = draw(`chart-emotions-${personId}`, figures.emotions);
    draw(`chart-dominant-${personId}`, figures.dominant);
    if (element) {
      element.dispatchEvent(new CustomEvent("person-chart-drawn", {
        bubbles: true, detail: { personId, figure: figures.emotions },
      }));
      element.dataset.drawn = "1";
    }
  }
  for (const [personId, figures] of Object.entries(data.persons)) drawPerson(personId, figures);
  const lazy = Array.from(document.querySelectorAll("section.person")).filter((s) => !data.persons[s.dataset.person]);
  if (lazy.length) {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        fetch(entry.target.dataset.chartsUrl, { credentials: "same-origin" })
          .then((response) => response.json())
          .then((figures) => drawPerson(entry.target.dataset.person, figures));
      }
    }, { rootMargin: "400px" });
    lazy.forEach((section) => observer.observe(section));
  }
})();
