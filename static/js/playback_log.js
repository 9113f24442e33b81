// The access log counts a stream when a player on the page starts playing, not when the page loads.
// Each <video data-played-url> comes with preload="none", so without this script nothing is fetched
// until the viewer presses play (and that first request is logged by the server). With it, the
// player preloads its metadata and first frame from the file URL with ?player=1 (which the server
// does not log) and POSTs to data-played-url once per playback: the first play, and a play after
// the video ended.
(function () {
  for (const player of document.querySelectorAll("video[data-played-url]")) {
    const url = new URL(player.getAttribute("src"), window.location.href);
    url.searchParams.set("player", "1");
    player.src = url.pathname + url.search;
    player.preload = "metadata";

    let logged = false;
    player.addEventListener("ended", () => { logged = false; });
    player.addEventListener("play", () => {
      if (logged) return;
      logged = true;
      fetch(player.dataset.playedUrl, {
        method: "POST",
        headers: { "X-CSRFToken": player.dataset.csrf },
        credentials: "same-origin",
        keepalive: true,
      }).catch(() => { logged = false; });
    });
  }
})();
