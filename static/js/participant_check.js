// The participant's camera check: the camera's live picture, and one frame of it sent to the server,
// which says whether one face is visible and lit well enough (analysis/core/camera_check.py).
(function () {
  "use strict";
  const root = document.getElementById("camera-check");
  if (!root) return;
  const preview = document.getElementById("check-preview");
  const message = document.getElementById("check-message");
  const button = document.getElementById("check-button");
  const next = document.getElementById("continue");
  const csrf = document.querySelector("#check-form input[name=csrfmiddlewaretoken]").value;
  let stream = null;

  function say(text, kind) {
    message.textContent = text;
    message.className = kind || "";
  }

  async function camera() {
    if (stream) return stream;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("This browser cannot use a camera here: it needs a recent browser and a secure (https) page.");
    }
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    preview.srcObject = stream;
    await preview.play().catch(() => {});
    await new Promise((resolve) => (preview.videoWidth ? resolve() : preview.addEventListener("loadeddata", resolve, { once: true })));
    return stream;
  }

  function frame() {
    const canvas = document.createElement("canvas");
    const scale = Math.min(1, 640 / preview.videoWidth);
    canvas.width = Math.round(preview.videoWidth * scale);
    canvas.height = Math.round(preview.videoHeight * scale);
    canvas.getContext("2d").drawImage(preview, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  }

  async function check() {
    button.disabled = true;
    say("Checking…");
    try {
      await camera();
      const body = new FormData();
      body.append("frame", await frame(), "frame.jpg");
      const response = await fetch(window.location.href, {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrf },
      });
      const verdict = await response.json().catch(() => ({ ok: false, message: `The check failed (${response.status}): try again.` }));
      say(verdict.message, verdict.ok ? "ok" : "error");
      root.dataset.state = verdict.ok ? "passed" : verdict.problem || "failed";
      next.hidden = !verdict.ok;
      button.textContent = verdict.ok ? "Check again" : "Check my camera again";
    } catch (error) {
      const denied = error && error.name === "NotAllowedError";
      say(denied ? "The camera was not allowed: allow this page to use it (the icon in the address bar), then check again." : String(error.message || error), "error");
      root.dataset.state = "no_camera";
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener("click", check);
  next.addEventListener("click", () => { if (stream) stream.getTracks().forEach((track) => track.stop()); });
})();
