// The browser preview being made (templates/analysis/preview_state.html): poll its state; when it ends,
// swap the section's new text in (the failure and its retry button, or "the player shows a playable
// copy") and, when it is ready, point the player at it (the same URL now streams the preview).
(function () {
  const POLL_MS = 3000;
  const first = document.getElementById("preview-state");
  if (!first || first.dataset.status !== "making") return;
  const stateUrl = first.dataset.stateUrl;

  function reloadPlayer() {
    const player = document.getElementById("player");
    if (!player) return;
    const url = new URL(player.getAttribute("src"), window.location.href);
    url.searchParams.set("preview", "ready"); // a new URL: no cached bytes of the source are reused
    const at = player.currentTime;
    player.src = url.pathname + url.search;
    if (at) player.addEventListener("loadedmetadata", () => { player.currentTime = at; }, { once: true });
    player.load();
  }

  async function poll() {
    try {
      const response = await fetch(stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      const data = await response.json();
      if (data.status !== "making") {
        const section = document.getElementById("preview-state");
        if (section) section.outerHTML = data.html;
        if (data.status === "ready") reloadPlayer();
        return;
      }
    } catch (error) {
      // a dropped poll: try again at the next tick
    }
    window.setTimeout(poll, POLL_MS);
  }
  window.setTimeout(poll, POLL_MS);
})();
