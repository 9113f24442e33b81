// The identity review's merge forms: each form.merge's select[name=into] gets the other persons as
// choices, copied from the <template id="merge-choices"> (all but its data-except person) when its
// review (the enclosing <details>) opens. (Rename, split and hide are plain forms: no script.)
(function () {
  const choices = document.getElementById("merge-choices");
  for (const select of document.querySelectorAll("form.merge select[name=into]")) {
    const review = select.closest("details");
    const fill = () => {
      if (select.options.length || !choices) return;
      for (const option of choices.content.querySelectorAll("option")) {
        if (option.value !== select.dataset.except) select.appendChild(option.cloneNode(true));
      }
    };
    if (review) review.addEventListener("toggle", fill);
    fill();
  }
})();
