// The identity review's merge forms: each form.merge's select[name=into] gets the other persons as
// choices, copied from the <template id="merge-choices"> (all but its data-except person) when its
// review (the enclosing <details>) opens. (The forms themselves are sent by edit_in_place.js.)
(function () {
  function fill(select) {
    const choices = document.getElementById("merge-choices"); // replaced after an edit in place
    if (select.options.length || !choices) return;
    for (const option of choices.content.querySelectorAll("option")) {
      if (option.value !== select.dataset.except) select.appendChild(option.cloneNode(true));
    }
  }
  // "toggle" does not bubble: heard while it goes down to the <details>.
  document.addEventListener("toggle", (event) => {
    const select = event.target.matches("details") && event.target.querySelector("form.merge select[name=into]");
    if (select) fill(select);
  }, true);
  // After an edit in place (edit_in_place.js) the persons and their labels may have changed: every
  // list is made again from the new choices.
  document.addEventListener("results-updated", () => {
    for (const select of document.querySelectorAll("form.merge select[name=into]")) {
      select.replaceChildren();
      if (select.closest("details[open]")) fill(select);
    }
  });
})();
