// The results page: Plotly charts (clicking one seeks the video), event markers on every chart,
// highlights that seek, persons' charts loaded as they scroll into view, a per-person baseline
// view, and the overlay of face boxes on the player.
(function () {
  const data = JSON.parse(document.getElementById("charts-data").textContent);
  const player = document.getElementById("player");
  const config = { responsive: true, displaylogo: false };

  function seek(t) {
    if (player && Number.isFinite(t)) {
      player.currentTime = t;
      player.play();
    }
  }

  // Plotly's JSON may hold arrays as {dtype, bdata} (base64): plain arrays are needed to compute on.
  const TYPED = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                  u2: Uint16Array, i1: Int8Array, u1: Uint8Array };
  function values(v) {
    if (v && v.bdata) {
      const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
      return Array.from(new TYPED[v.dtype](bytes.buffer));
    }
    return v ? Array.from(v) : [];
  }

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
      if (typeof t === "number") seek(t);
    });
    return element;
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
      seek(Number(link.dataset.seek));
    });
  }
  // Identity review: each merge form gets the other persons as choices when its review opens.
  const choices = document.getElementById("merge-choices");
  for (const select of document.querySelectorAll("form.merge select[name=into]")) {
    const review = select.closest("details");
    const fill = () => {
      if (select.options.length || !choices) return;
      for (const option of choices.content.querySelectorAll("option")) {
        if (option.value !== select.dataset.except) select.appendChild(option.cloneNode(true));
      }
    };
    if (review) review.addEventListener("toggle", fill);
    fill();
  }
  const now = document.getElementById("marker-now");
  if (now && player) {
    now.addEventListener("click", () => {
      document.getElementById("marker-time").value = player.currentTime.toFixed(1);
    });
  }

  // Persons: the first few come with the page, the others load when they scroll into view.
  const smoothed = {}; // person id -> {x, ys}: the smoothed lines as drawn, for the baseline view
  function drawPerson(personId, figures) {
    const element = draw(`chart-emotions-${personId}`, figures.emotions);
    draw(`chart-dominant-${personId}`, figures.dominant);
    if (element) {
      const lines = figures.emotions.data.slice(0, 7);
      smoothed[personId] = { x: values(lines[0].x), ys: lines.map((trace) => values(trace.y)) };
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

  // Baseline: each smoothed line minus the person's median, or minus its mean over a chosen segment.
  function median(list) {
    const sorted = list.filter(Number.isFinite).sort((a, b) => a - b);
    if (!sorted.length) return 0;
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
  function applyBaseline(box) {
    const personId = box.dataset.person;
    const lines = smoothed[personId];
    const element = document.getElementById(`chart-emotions-${personId}`);
    if (!lines || !element) return;
    const on = box.querySelector(".baseline-on").checked;
    const kind = box.querySelector(".baseline-kind").value;
    box.querySelector(".baseline-segment").hidden = kind !== "segment";
    let ys = lines.ys;
    if (on) {
      const from = Number(box.querySelector(".baseline-from").value);
      const to = Number(box.querySelector(".baseline-to").value);
      ys = lines.ys.map((y) => {
        let reference;
        if (kind === "segment") {
          const inside = y.filter((_, i) => lines.x[i] >= from && lines.x[i] <= to);
          reference = inside.length ? inside.reduce((a, b) => a + b, 0) / inside.length : 0;
        } else {
          reference = median(y);
        }
        return y.map((v) => v - reference);
      });
    }
    Plotly.restyle(element, { y: ys }, [0, 1, 2, 3, 4, 5, 6]);
    Plotly.relayout(element, {
      "yaxis.range": on ? [-1, 1] : [0, 1],
      "yaxis.title.text": on ? "difference from baseline" : "probability",
    });
    box.dataset.applied = on ? kind : "";
  }
  for (const box of document.querySelectorAll(".baseline")) {
    box.addEventListener("change", () => applyBaseline(box));
  }

  // Overlay: the stored boxes of the faces at the player's time, labelled with the person and the
  // emotion leading their smoothed signal; fetched 30 s at a time.
  const canvas = document.getElementById("overlay");
  const toggle = document.getElementById("overlay-toggle");
  if (canvas && toggle && player) {
    const windows = {}; // window start -> response
    let shown = [];
    function windowAt(t) {
      const start = Math.floor(t / 30) * 30;
      if (!(start in windows)) {
        windows[start] = null;
        fetch(`${canvas.dataset.url}?start=${start}`, { credentials: "same-origin" })
          .then((response) => response.json())
          .then((body) => { windows[start] = body; });
      }
      return windows[start];
    }
    function paint() {
      const context = canvas.getContext("2d");
      canvas.width = canvas.clientWidth;
      canvas.height = canvas.clientHeight;
      context.clearRect(0, 0, canvas.width, canvas.height);
      shown = [];
      const body = windowAt(player.currentTime);
      if (!body || !player.videoWidth) return;
      // The video is letterboxed inside its element: find the picture's area.
      const scale = Math.min(player.clientWidth / player.videoWidth, player.clientHeight / player.videoHeight);
      const left = (player.clientWidth - player.videoWidth * scale) / 2;
      const top = (player.clientHeight - player.videoHeight * scale) / 2;
      const nearest = {};
      for (const row of body.samples) {
        const gap = Math.abs(row[0] - player.currentTime);
        if (gap <= 0.5 && (!nearest[row[1]] || gap < nearest[row[1]].gap)) nearest[row[1]] = { gap, row };
      }
      context.lineWidth = 2;
      context.font = "13px sans-serif";
      for (const { row } of Object.values(nearest)) {
        const [, number, x, y, w, h, leading] = row;
        const color = leading >= 0 ? body.colors[leading] : "#999";
        const box = [left + x * scale, top + y * scale, w * scale, h * scale];
        context.strokeStyle = color;
        context.strokeRect(...box);
        const text = `${body.persons[number] || "Person " + number}${leading >= 0 ? ": " + body.emotions[leading] : ""}`;
        context.fillStyle = color;
        context.fillRect(box[0], box[1] - 17, context.measureText(text).width + 8, 17);
        context.fillStyle = "#fff";
        context.fillText(text, box[0] + 4, box[1] - 4);
        shown.push({ number, box });
      }
    }
    function loop() {
      if (!toggle.checked) return;
      paint();
      requestAnimationFrame(loop);
    }
    toggle.addEventListener("change", () => {
      canvas.hidden = !toggle.checked;
      if (toggle.checked) loop();
    });
    canvas.addEventListener("click", (event) => {
      const rect = canvas.getBoundingClientRect();
      const px = event.clientX - rect.left;
      const py = event.clientY - rect.top;
      const hit = shown.find(({ box }) => px >= box[0] && px <= box[0] + box[2] && py >= box[1] && py <= box[1] + box[3]);
      if (!hit) {
        if (player.paused) player.play(); else player.pause();
        return;
      }
      document.querySelectorAll("section.person.selected").forEach((s) => s.classList.remove("selected"));
      const section = document.getElementById(`person-${hit.number}`);
      if (section) {
        section.classList.add("selected");
        section.scrollIntoView({ behavior: "smooth", block: "start" });
      }
    });
  }
})();
