// Seeking the video player (#player) from the results page. Defines window.resultsPlayer.seek(t),
// which charts.js calls when a chart is clicked, so this file loads before charts.js; and makes
// the links with a data-seek time (the highlights, the markers list) seek the player.
// Keeps the player in sight: once its place at the top has scrolled out of view, its frame
// (.player-frame, the overlay with it) docks in a corner of the window (class "docked", app.css),
// a spacer of its height holding its place, so that clicking a chart far down shows the moment.
// (position: sticky would only hold it within the top grid, which ends above the charts.)
(function () {
  const player = document.getElementById("player");

  function seek(t) {
    if (player && Number.isFinite(t)) {
      player.currentTime = t;
      // A pause before playback starts rejects play() with an AbortError: expected, not an error.
      player.play().catch((error) => {
        if (error.name !== "AbortError") throw error;
      });
    }
  }
  window.resultsPlayer = { seek };

  const frame = player && player.closest(".player-frame");
  if (frame) {
    const spacer = document.createElement("div");
    spacer.className = "player-spacer";
    spacer.hidden = true;
    frame.before(spacer);
    const dock = (docked) => {
      if (docked === frame.classList.contains("docked")) return;
      spacer.style.height = `${frame.offsetHeight}px`;
      spacer.hidden = !docked;
      frame.classList.toggle("docked", docked);
    };
    // Watch the frame's place (the frame, or the spacer while it is docked), not the docked frame.
    const watch = new IntersectionObserver((entries) => {
      const place = entries[entries.length - 1];
      dock(!place.isIntersecting && place.boundingClientRect.top < 0);
    });
    watch.observe(frame.parentElement);
  }

  // Listened to on the document: links an edit brings in place (markers, highlights) seek too.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-seek]");
    if (!link) return;
    event.preventDefault();
    seek(Number(link.dataset.seek));
  });
})();
