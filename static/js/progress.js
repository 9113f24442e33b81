// Live progress: poll each active run's progress URL; reload when its status changes. The bar has no
// value (it shows as busy) until the first frames are analysed; the ETA shows only once it is known.
(function () {
  const POLL_MS = 2000;

  // Rounded to the nearest 5 s under a minute and a half, to the nearest minute above it: 66 s is
  // "about 65 s", not "about 2 min".
  function formatEta(seconds) {
    if (seconds == null || !Number.isFinite(seconds)) return "";
    if (seconds < 90) return `about ${Math.max(5, Math.round(seconds / 5) * 5)} s left`;
    return `about ${Math.round(seconds / 60)} min left`;
  }

  function watch(element) {
    const url = element.dataset.progressUrl;
    const initialStatus = element.className.match(/status-(\w+)/)[1];
    async function poll() {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) throw new Error(response.status);
        const data = await response.json();
        if (data.status !== initialStatus && !(initialStatus === "queued" && data.status === "running")) {
          window.location.reload();
          return;
        }
        element.className = `status status-${data.status}`;
        element.querySelector(".status-label").textContent = data.status_label;
        const bar = element.querySelector("progress");
        if (bar && data.frames_done) bar.value = data.percent;
        else if (bar) bar.removeAttribute("value");
        const detail = element.querySelector(".status-detail");
        if (detail) detail.textContent = data.detail;
        const eta = document.querySelector("[data-eta]");
        if (eta) eta.textContent = formatEta(data.eta_s);
      } catch (error) {
        // Network hiccup: try again at the next tick.
      }
      setTimeout(poll, POLL_MS);
    }
    setTimeout(poll, POLL_MS);
  }

  document.querySelectorAll("[data-progress-url]").forEach(watch);
})();
