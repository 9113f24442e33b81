// The study page's Plotly charts, drawn from the #study-charts JSON: the groups' valence and
// attention bars (#chart-comparison), their emotion shares (#chart-shares), the room over time
// (#chart-lines), each participant across videos (#chart-participants) and each session link's
// responses along its stimulus.
(function () {
  const data = JSON.parse(document.getElementById("study-charts").textContent);
  const config = { responsive: true, displaylogo: false };
  const targets = { valence: "chart-comparison", shares: "chart-shares", lines: "chart-lines", participants: "chart-participants" };
  for (const [key, id] of Object.entries(targets)) {
    const element = document.getElementById(id);
    if (element && data[key]) Plotly.newPlot(element, data[key].data, data[key].layout, config);
  }
  // Each session link's responses along its stimulus (#chart-session-ID-lines and -shares).
  for (const [id, figures] of Object.entries(data.sessions || {})) {
    for (const [key, figure] of Object.entries(figures)) {
      const element = document.getElementById(`chart-session-${id}-${key}`);
      if (element) Plotly.newPlot(element, figure.data, figure.layout, config);
    }
  }
  // A changed choice redraws the page at once: the form's button is there for browsers without scripts.
  for (const select of document.querySelectorAll(".view-choices select")) {
    select.addEventListener("change", () => select.form.submit());
  }
})();
