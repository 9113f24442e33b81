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
    for (const { row } of Object.values(nearest)) {
      const [, number, x, y, w, h, leading] = row;
      const color = leading >= 0 ? body.colors[leading] : "#999";
      const box = [left + x * scale, top + y * scale, w * scale, h * scale];
      context.strokeStyle = color;
      context.strokeRect(...box);
      const text = `${body.persons[number] || "Person " + number}${leading >= 0 ? ": " + body.emotions[leading] : ""}`;
      // The label above the box, or below it when a face touches the top of the picture.
      const labelTop = box[1] >= LABEL_PX ? box[1] - LABEL_PX : box[1] + box[3];
      context.fillStyle = color;
      context.fillRect(box[0], labelTop, context.measureText(text).width + 8, LABEL_PX);
      context.fillStyle = "#fff";
      context.fillText(text, box[0] + 4, labelTop + LABEL_PX - 4);
      shown.push({ number, box });
    }
  }
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
