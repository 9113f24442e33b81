// Seeking the video player (#player) from the results page. Defines window.resultsPlayer.seek(t),
// which charts.js calls when a chart is clicked, so this file loads before charts.js; and makes
// the links with a data-seek time (the highlights, the markers list) seek the player.
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

  for (const link of document.querySelectorAll("[data-seek]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      seek(Number(link.dataset.seek));
    });
  }
})();
