// The results page's edit forms (form[data-in-place]: identity review, calm stretch, markers, hidden
// persons) answered in place: the form POSTs with fetch and `Accept: application/json`, and the view
// answers the parts of the page it changed (analysis/pages/page_updates.py). They are swapped in, with
// no navigation: the player keeps playing, an open "Review identity" stays open, the charts of the
// persons the edit did not touch stay drawn. Without JavaScript the same forms POST and the view
// redirects back (keep_place.js then restores the place, where scripts run).
//
// The answer: {messages, html: {id: HTML}, order, charts, focus}. A person's section already on the page
// gets only its [data-swap] parts replaced; a new one is inserted whole, in `order`; sections missing
// from `order` (merged away, hidden) are removed. Other ids are replaced whole. `charts` goes to
// window.resultsCharts.update (charts.js). Then a "results-updated" event tells the other widgets.
(function () {
  const persons = document.getElementById("persons");

  function fromHtml(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function swapSection(old, fresh) {
    for (const part of fresh.querySelectorAll("[data-swap]")) {
      const current = old.querySelector(`[data-swap="${part.dataset.swap}"]`);
      if (current) current.replaceWith(part);
    }
  }

  function placeSections(order, html) {
    if (!persons || !order) return;
    const wanted = new Set(order);
    for (const section of Array.from(persons.querySelectorAll(":scope > section.person"))) {
      if (!wanted.has(section.id)) section.remove();
    }
    let before = persons.firstElementChild;
    for (const id of order) {
      let section = document.getElementById(id);
      if (!section && html[id]) section = fromHtml(html[id]);
      if (!section) continue;
      if (section !== before) persons.insertBefore(section, before);
      before = section.nextElementSibling;
    }
  }

  function apply(update) {
    const html = update.html || {};
    for (const [id, markup] of Object.entries(html)) {
      const current = document.getElementById(id);
      if (!current) continue; // a new person's section: placed below
      const fresh = fromHtml(markup);
      if (current.matches("section.person")) swapSection(current, fresh);
      else if (fresh && fresh.id === id) current.replaceWith(fresh); // the element itself (#merge-choices)
      else current.innerHTML = markup; // a wrapper's contents (#marker-list, #hidden-persons, ...)
    }
    placeSections(update.order, html);
    if (window.resultsCharts && update.charts) window.resultsCharts.update(update.charts);
    document.dispatchEvent(new CustomEvent("results-updated", { detail: update }));
  }

  // The view's messages, where the edit happened: its section, or the one the view names (the person a
  // merge kept) when the form's section is gone. One live region at a time.
  function say(messages, where) {
    document.querySelectorAll(".message[data-in-place]").forEach((old) => old.remove());
    if (!where || !messages.length) return;
    const box = document.createElement("div");
    box.dataset.inPlace = "";
    box.setAttribute("role", messages.some((m) => m.level === "error") ? "alert" : "status");
    box.className = `message ${messages[messages.length - 1].level}`;
    box.textContent = messages.map((m) => m.text).join(" ");
    const header = where.querySelector(":scope > header, :scope > h2");
    if (header) header.after(box);
    else where.prepend(box);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.matches("form[data-in-place]")) return;
    event.preventDefault();
    const section = form.closest("section[id]");
    const sectionId = section && section.id;
    const buttons = Array.from(form.querySelectorAll("button"));
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form, event.submitter),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("application/json")) throw new Error(`${response.status}`);
      const update = await response.json();
      apply(update);
      if (form.hasAttribute("data-reset") && !update.messages.some((m) => m.level === "error")) form.reset();
      const where = document.getElementById(sectionId) || document.getElementById(update.focus);
      const review = where && where.querySelector("details.review");
      if (review && sectionId !== where.id) review.open = true; // the person a merge kept: their review
      if (where && sectionId !== where.id) where.scrollIntoView({ block: "nearest" });
      say(update.messages, where);
    } catch (error) {
      say([{ level: "error", text: `The change could not be made here (${error.message}): reload the page.` }],
        document.getElementById(sectionId) || form.parentElement);
    } finally {
      buttons.forEach((button) => { if (button.isConnected) button.disabled = false; });
    }
  });
})();
