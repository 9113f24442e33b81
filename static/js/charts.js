// The results page's Plotly charts, drawn from the #charts-data JSON: the distribution
// (#chart-distribution), the room (#chart-group, #chart-heatmap) and each person's
// (#chart-emotions-ID, #chart-dominant-ID); persons missing from the JSON are fetched from their
// section.person's data-charts-url as they scroll into view. Every chart with time on the x axis
// shows the event markers (data.markers) and a playhead at the player's time, and clicking it seeks
// the player through window.resultsPlayer (player_seek.js, loaded before this file).
// A figure whose layout.meta.toggle lists options ({name, options: [{label, visible}]}, chart_style.py)
// gets them as <button aria-pressed> above the chart: keyboards and screen readers reach those, not
// Plotly's own menus.
// The figures come without a template: data.template (plotly_white, sent once) is applied as each is drawn.
// When a person's emotions chart is drawn, its element fires a bubbling "person-chart-drawn"
// CustomEvent, detail {personId, figure}: the figure as drawn, which baselines.js keeps; listeners
// must be registered before this file runs (it draws the persons that come with the page at once).
(function () {
  const data = JSON.parse(document.getElementById("charts-data").textContent);
  const config = { responsive: true, displaylogo: false };
  // The figures come without their template (plotly_white): the page sends it once (data.template).
  const template = data.template;
  const player = document.getElementById("player");

  // Event markers: a dashed line and its label on every chart with time on the x axis.
  let markerShapes = [];
  let markerLabels = [];
  function setMarkers(markers) {
    markerShapes = (markers || []).map((m) => ({
      type: "line", xref: "x", yref: "paper", x0: m.t, x1: m.t, y0: 0, y1: 1,
      line: { color: "#444", width: 1, dash: "dot" },
    }));
    markerLabels = (markers || []).map((m) => ({
      xref: "x", yref: "paper", x: m.t, y: 1, yanchor: "bottom", text: m.label, showarrow: false,
      font: { size: 10, color: "#444" },
    }));
  }
  setMarkers(data.markers);

  // The playhead: a line at the player's time on every time chart, found by its name (other shapes
  // may come and go). Moved on the player's timeupdate (about 4 a second) and seeks, at most once a
  // frame, and only on the charts on screen: a page of many persons stays cheap. A chart coming into
  // view catches up.
  const PLAYHEAD = "playhead";
  const playerTime = () => (player ? player.currentTime : 0);
  const playheadShape = (t) => ({
    name: PLAYHEAD, type: "line", xref: "x", yref: "paper", x0: t, x1: t, y0: 0, y1: 1, layer: "above",
    line: { color: "#c4320a", width: 2 },
  });
  const onScreen = new Set();
  const viewWatch = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        onScreen.add(entry.target);
        movePlayhead(entry.target);
      } else {
        onScreen.delete(entry.target);
      }
    }
  });
  function movePlayhead(element) {
    const shapes = (element.layout && element.layout.shapes) || [];
    const i = shapes.findIndex((shape) => shape.name === PLAYHEAD);
    const t = playerTime();
    if (i < 0 || shapes[i].x0 === t) return;
    Plotly.relayout(element, { [`shapes[${i}].x0`]: t, [`shapes[${i}].x1`]: t });
  }
  let pending = false;
  function followPlayer() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onScreen.forEach(movePlayhead);
    });
  }
  if (player) ["timeupdate", "seeked"].forEach((name) => player.addEventListener(name, followPlayer));

  // The figure's toggle (layout.meta.toggle) as a group of buttons just above the chart; pressing one
  // shows its traces (Plotly.restyle) and marks it pressed. Drawing the chart again replaces them.
  function addToggle(element, toggle) {
    const previous = element.previousElementSibling;
    if (previous && previous.dataset.toggleFor === element.id) previous.remove();
    if (!toggle) return;
    const group = document.createElement("div");
    group.className = "chart-toggle";
    group.dataset.toggleFor = element.id;
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", toggle.name);
    const buttons = toggle.options.map((option, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = option.label;
      button.setAttribute("aria-pressed", String(index === 0));
      button.addEventListener("click", () => {
        Plotly.restyle(element, { visible: option.visible });
        buttons.forEach((other) => other.setAttribute("aria-pressed", String(other === button)));
      });
      return button;
    });
    group.append(...buttons);
    element.before(group);
  }

  const drawnIds = new Set(); // charts drawn at least once (an edit may draw one before its turn below)
  function draw(id, figure, timed = true) {
    const element = document.getElementById(id);
    if (!element || !figure) return null;
    drawnIds.add(id);
    const layout = Object.assign({}, figure.layout);
    if (template && !layout.template) layout.template = template;
    if (timed) {
      layout.shapes = (figure.layout.shapes || []).concat(markerShapes, [playheadShape(playerTime())]);
      layout.annotations = (figure.layout.annotations || []).concat(markerLabels);
    }
    Plotly.newPlot(element, figure.data, layout, config);
    addToggle(element, figure.layout.meta && figure.layout.meta.toggle);
    if (!timed) return element;
    element.on("plotly_click", (event) => {
      const t = event.points && event.points[0] && event.points[0].x;
      if (typeof t === "number") window.resultsPlayer.seek(t);
    });
    viewWatch.observe(element);
    return element;
  }

  // Drawing every chart at once kept the page from answering for seconds (each newPlot is 0.1-0.3 s on a
  // slow machine). The charts on screen are drawn at once; the others one per task after, those that have
  // scrolled into view first, so the page answers in between. A chart an edit already redrew is skipped.
  const queued = []; // [element id, draw function]
  function later(drawIt, ...charts) {
    // Each waiting chart ([element id, figure]) keeps its figure's height: what is on screen is known, and
    // nothing moves when it is drawn.
    for (const [id, figure] of charts) {
      const element = document.getElementById(id);
      if (element && figure && figure.layout.height) element.style.minHeight = `${figure.layout.height}px`;
    }
    queued.push([charts[0][0], drawIt]);
  }
  const inView = (id) => {
    const element = document.getElementById(id);
    if (!element) return false;
    const box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  };
  function drawNext() {
    if (!queued.length) return;
    const i = Math.max(0, queued.findIndex(([id]) => inView(id)));
    const [id, drawIt] = queued.splice(i, 1)[0];
    if (!drawnIds.has(id)) drawIt();
    if (queued.length) setTimeout(drawNext, 0);
  }
  function drawQueued() {
    for (const [id, drawIt] of queued.filter(([id]) => inView(id))) {
      queued.splice(queued.findIndex((item) => item[0] === id), 1);
      drawIt();
    }
    if (queued.length) setTimeout(drawNext, 0);
  }

  later(() => draw("chart-distribution", data.distribution, false), ["chart-distribution", data.distribution]);
  later(() => draw("chart-group", data.group), ["chart-group", data.group]);
  later(() => draw("chart-heatmap", data.heatmap), ["chart-heatmap", data.heatmap]);

  // Persons: the first few come with the page, the others load when they scroll into view.
  const personFigures = {}; // person id -> figures as drawn, to draw again with new markers
  function drawPerson(personId, figures) {
    personFigures[personId] = figures;
    const element = draw(`chart-emotions-${personId}`, figures.emotions);
    draw(`chart-dominant-${personId}`, figures.dominant);
    if (element) {
      element.dispatchEvent(new CustomEvent("person-chart-drawn", {
        bubbles: true, detail: { personId, figure: figures.emotions },
      }));
      element.dataset.drawn = "1";
    }
  }
  for (const [personId, figures] of Object.entries(data.persons)) {
    personFigures[personId] = figures;
    later(
      () => drawPerson(personId, personFigures[personId]),
      [`chart-emotions-${personId}`, figures.emotions],
      [`chart-dominant-${personId}`, figures.dominant],
    );
  }
  const lazyWatch = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      lazyWatch.unobserve(entry.target);
      fetch(entry.target.dataset.chartsUrl, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((figures) => drawPerson(entry.target.dataset.person, figures));
    }
  }, { rootMargin: "400px" });
  function watchUndrawn() {
    for (const section of document.querySelectorAll("section.person")) {
      if (personFigures[section.dataset.person] || section.dataset.watched) continue;
      section.dataset.watched = "1";
      lazyWatch.observe(section);
    }
  }
  watchUndrawn();
  drawQueued();

  // An edit answered in place (edit_in_place.js) brings the chart data it changed, keyed as in
  // #charts-data: new markers redraw every time chart; new room charts and persons' figures replace
  // theirs; a person's section new on the page is drawn, or loads as it scrolls into view.
  window.resultsCharts = {
    update(changes) {
      if (changes.markers) setMarkers(changes.markers);
      if (changes.distribution) draw("chart-distribution", (data.distribution = changes.distribution), false);
      for (const key of ["group", "heatmap"]) {
        if (changes[key]) data[key] = changes[key];
        if (changes[key] || changes.markers) draw(`chart-${key}`, data[key]);
      }
      const fresh = changes.persons || {};
      for (const section of document.querySelectorAll("section.person")) {
        const personId = section.dataset.person;
        const figures = fresh[personId] || personFigures[personId];
        const chart = document.getElementById(`chart-emotions-${personId}`);
        const undrawn = chart && !chart.dataset.drawn;
        if (figures && (fresh[personId] || changes.markers || undrawn)) drawPerson(personId, figures);
      }
      watchUndrawn();
    },
  };
})();
