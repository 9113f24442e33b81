// The face overlay on the video player: while #overlay-toggle is checked, the #overlay canvas shows
// the stored boxes of the faces at #player's current time, labelled with the person and the emotion
// leading their smoothed signal, fetched 30 s at a time from the canvas's data-url (?start=S).
// The canvas covers the whole picture and lets clicks through (a face at the bottom is drawn whole);
// clicks land on #overlay-hits, which stops above the player's own controls so that they still work.
// Clicking a box selects and scrolls to that person's section (#person-NUMBER); clicking elsewhere
// plays or pauses the player. Reads the player element directly; talks to no other widget.
(function () {
  const player = document.getElementById("player");
  const canvas = document.getElementById("overlay");
  const hits = document.getElementById("overlay-hits");
  const toggle = document.getElementById("overlay-toggle");
  if (!canvas || !hits || !toggle || !player) return;
  const LABEL_PX = 17;
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
    const faces = Object.values(nearest).map(({ row }) => {
      const [, number, x, y, w, h, leading] = row;
      const text = `${body.persons[number] || "Person " + number}${leading >= 0 ? ": " + body.emotions[leading] : ""}`;
      return {
        number,
        text,
        color: leading >= 0 ? body.colors[leading] : "#999",
        box: [left + x * scale, top + y * scale, w * scale, h * scale],
        width: context.measureText(text).width + 8,
      };
    });
    const labels = placeLabels(faces.map((f) => ({ box: f.box, width: f.width })), canvas.width, canvas.height);
    faces.forEach((face, i) => {
      context.strokeStyle = face.color;
      context.strokeRect(...face.box);
      const [labelLeft, labelTop] = labels[i];
      context.fillStyle = face.color;
      context.fillRect(labelLeft, labelTop, face.width, LABEL_PX);
      context.fillStyle = "#fff";
      context.fillText(face.text, labelLeft + 4, labelTop + LABEL_PX - 4);
      shown.push({ number: face.number, box: face.box });
    });
  }
  // Where each face's label goes, [left, top]: above its box, else below it, else further up or
  // down, the first place that stays inside the picture and covers no label placed before it (faces
  // side by side in a row would otherwise write over each other's names). Pure: the browser test
  // calls it as window.overlayLabels.place.
  function placeLabels(faces, width, height) {
    const placed = [];
    const overlaps = (a, b) => a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
    const order = faces.map((_, i) => i).sort((i, j) => faces[i].box[1] - faces[j].box[1] || faces[i].box[0] - faces[j].box[0]);
    const result = new Array(faces.length);
    for (const i of order) {
      const { box, width: labelWidth } = faces[i];
      const left = Math.max(0, Math.min(box[0], width - labelWidth));
      const above = box[1] - LABEL_PX;
      const below = box[1] + box[3];
      const tops = [above, below];
      for (let step = 1; step <= 4; step += 1) tops.push(above - step * LABEL_PX, below + step * LABEL_PX);
      const inside = tops.filter((t) => t >= 0 && t + LABEL_PX <= height);
      const rect = (t) => [left, t, labelWidth, LABEL_PX];
      const free = inside.find((t) => !placed.some((other) => overlaps(rect(t), other)));
      const chosen = free ?? inside[0] ?? Math.max(0, Math.min(above, height - LABEL_PX));
      placed.push(rect(chosen));
      result[i] = [left, chosen];
    }
    return result;
  }
  window.overlayLabels = { place: placeLabels, height: LABEL_PX };
  function loop() {
    if (!toggle.checked) return;
    paint();
    requestAnimationFrame(loop);
  }
  toggle.addEventListener("change", () => {
    canvas.hidden = hits.hidden = !toggle.checked;
    if (toggle.checked) loop();
  });
  hits.addEventListener("click", (event) => {
    const rect = hits.getBoundingClientRect(); // the same top left as the canvas's
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
})();
