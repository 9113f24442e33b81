// Keeps the viewer's place across the results page's forms that still reload it: "Analyse again", the
// blurred copy, and an edit form whose in-place answer (edit_in_place.js) is not used. They POST and the
// server redirects back, which reloads the page. Before such a form leaves, this saves the player's
// (#player) time, whether the overlay (#overlay-toggle) is on, and where the form's section was on
// screen, in sessionStorage under the page's path; the reloaded page puts them back once. A submit that
// a script answered in place (defaultPrevented) saves nothing: it is heard on the window, after the
// document's listeners. Loads after overlay.js: turning the overlay on again fires the "change" it
// listens for.
(function () {
  const KEY = `results-place:${window.location.pathname}`;
  const FRESH_MS = 60000; // a place saved longer ago belongs to another visit
  const player = document.getElementById("player");
  const toggle = document.getElementById("overlay-toggle");

  function save(form) {
    const section = form.closest("[id]");
    const place = {
      at: Date.now(),
      t: player ? player.currentTime : 0,
      overlay: Boolean(toggle && toggle.checked),
      section: section ? section.id : null,
      sectionTop: section ? section.getBoundingClientRect().top : 0,
    };
    sessionStorage.setItem(KEY, JSON.stringify(place));
  }

  function savedPlace() {
    const text = sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY); // once: a later visit starts afresh
    if (!text) return null;
    try {
      const place = JSON.parse(text);
      return Date.now() - place.at < FRESH_MS ? place : null;
    } catch (error) {
      return null;
    }
  }

  function restoreTime(t) {
    if (!player || !(t > 0)) return;
    const seek = () => { player.currentTime = Math.min(t, player.duration || t); };
    if (player.readyState >= 1) seek();
    else player.addEventListener("loadedmetadata", seek, { once: true });
  }

  // The form's section back where it was on screen; if it is gone (a merged person), the server's
  // #fragment has already scrolled to the right one.
  function restoreScroll(place) {
    const section = place.section && document.getElementById(place.section);
    if (section) window.scrollBy(0, section.getBoundingClientRect().top - place.sectionTop);
  }

  window.addEventListener("submit", (event) => {
    const form = event.target;
    if (!event.defaultPrevented && form.method === "post" && form.closest("main")) save(form);
  });

  const place = savedPlace();
  if (!place) return;
  restoreTime(place.t);
  if (place.overlay && toggle && !toggle.checked) {
    toggle.checked = true;
    toggle.dispatchEvent(new Event("change"));
  }
  // After the charts have taken their heights and the browser has scrolled to the #fragment.
  if (document.readyState === "complete") restoreScroll(place);
  else window.addEventListener("load", () => requestAnimationFrame(() => restoreScroll(place)), { once: true });
})();
