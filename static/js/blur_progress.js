// The blurred copy's progress: poll while it is queued or running; reload when it ends.
(function () {
  const POLL_MS = 2000;
  const element = document.querySelector("[data-blur-url]");
  if (!element || !["queued", "running"].includes(element.dataset.status)) return;
  async function poll() {
    try {
      const response = await fetch(element.dataset.blurUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      const data = await response.json();
      if (data.status === "succeeded" || data.status === "failed") {
        window.location.reload();
        return;
      }
      element.querySelector(".status-label").textContent = data.status_label;
      const bar = element.querySelector("progress");
      if (bar && data.frames_total) bar.value = data.percent;
    } catch (error) {
      // a dropped poll: try again at the next tick
    }
    window.setTimeout(poll, POLL_MS);
  }
  window.setTimeout(poll, POLL_MS);
})();
