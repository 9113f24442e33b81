// The per-person baseline view: each .baseline box (data-person, with .baseline-on, .baseline-kind,
// .baseline-segment, .baseline-from, .baseline-to) redraws #chart-emotions-ID's seven smoothed lines
// minus the person's median, or minus their mean over a chosen segment. The lines come from the
// "person-chart-drawn" events charts.js fires as it draws (detail {personId, figure}): this file
// loads before charts.js so that it hears the persons drawn with the page.
(function () {
  // Plotly's JSON may hold arrays as {dtype, bdata} (base64): plain arrays are needed to compute on.
  const TYPED = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                  u2: Uint16Array, i1: Int8Array, u1: Uint8Array };
  function values(v) {
    if (v && v.bdata) {
      const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
      return Array.from(new TYPED[v.dtype](bytes.buffer));
    }
    return v ? Array.from(v) : [];
  }

  const smoothed = {}; // person id -> {x, ys}: the smoothed lines as drawn
  document.addEventListener("person-chart-drawn", (event) => {
    const lines = event.detail.figure.data.slice(0, 7);
    smoothed[event.detail.personId] = { x: values(lines[0].x), ys: lines.map((trace) => values(trace.y)) };
  });

  function median(list) {
    const sorted = list.filter(Number.isFinite).sort((a, b) => a - b);
    if (!sorted.length) return 0;
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
  function applyBaseline(box) {
    const personId = box.dataset.person;
    const lines = smoothed[personId];
    const element = document.getElementById(`chart-emotions-${personId}`);
    if (!lines || !element) return;
    const on = box.querySelector(".baseline-on").checked;
    const kind = box.querySelector(".baseline-kind").value;
    box.querySelector(".baseline-segment").hidden = kind !== "segment";
    let ys = lines.ys;
    if (on) {
      const from = Number(box.querySelector(".baseline-from").value);
      const to = Number(box.querySelector(".baseline-to").value);
      ys = lines.ys.map((y) => {
        let reference;
        if (kind === "segment") {
          const inside = y.filter((_, i) => lines.x[i] >= from && lines.x[i] <= to);
          reference = inside.length ? inside.reduce((a, b) => a + b, 0) / inside.length : 0;
        } else {
          reference = median(y);
        }
        return y.map((v) => v - reference);
      });
    }
    Plotly.restyle(element, { y: ys }, [0, 1, 2, 3, 4, 5, 6]);
    Plotly.relayout(element, {
      "yaxis.range": on ? [-1, 1] : [0, 1],
      "yaxis.title.text": on ? "difference from baseline" : "probability",
    });
    box.dataset.applied = on ? kind : "";
  }
  // Listened to on the document: a person's section added by an edit in place (edit_in_place.js) works too.
  document.addEventListener("change", (event) => {
    const box = event.target.closest(".baseline");
    if (box) applyBaseline(box);
  });
})();
