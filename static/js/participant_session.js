// The participant's session: the webcam records while the stimulus plays, and the recording goes up as it
// is made (tus with a deferred length, analysis/pages/participant_upload.py), so a dropped connection only
// delays it and a closed tab leaves what was sent as a partial recording. Where the stimulus started and
// ended in the recording is measured with the player's own frame clock against the recorder's start.
(function () {
  "use strict";
  const root = document.getElementById("session");
  if (!root) return;
  const urls = { stimulus: root.dataset.stimulus, upload: root.dataset.upload, times: root.dataset.times, left: root.dataset.left, done: root.dataset.done };
  const startButton = document.getElementById("start-button");
  const player = document.getElementById("stimulus");
  const selfView = document.getElementById("self-view");
  const message = document.getElementById("session-message");
  const status = document.getElementById("upload-status");
  const csrf = document.querySelector("#csrf input[name=csrfmiddlewaretoken]").value;
  const TUS = "1.0.0";
  const BITS_PER_SECOND = 1000000; // the server's bound allows ~1.6x this (PARTICIPANT_BYTES_PER_S)
  const MAX_PATCH_BYTES = 1024 * 1024; // a backlog after a long drop goes up in pieces, each one acknowledged

  let recorder = null, recorderStart = 0, finished = false, stopping = false;
  let queue = [], queuedBytes = 0, sentOffset = 0, sending = false, failures = 0, totalBytes = 0;
  let startOffsets = [], startSent = false;

  const say = (text, kind) => { message.textContent = text; message.className = kind || ""; };
  // A wait that the browser coming back online cuts short.
  let wake = null;
  const wait = (ms) => new Promise((resolve) => {
    const timer = setTimeout(() => { wake = null; resolve(); }, ms);
    wake = () => { clearTimeout(timer); wake = null; resolve(); };
  });
  const headers = (extra) => ({ "Tus-Resumable": TUS, "X-CSRFToken": csrf, ...extra });

  async function createUpload() {
    const response = await fetch(urls.upload, { method: "POST", credentials: "same-origin", headers: headers({ "Upload-Defer-Length": "1" }) });
    if (response.status !== 201) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.detail || `The recording could not start (${response.status}).`);
    }
  }

  // Where the server stands: the bytes it has that are still in the queue are dropped from it.
  async function serverOffset() {
    const response = await fetch(urls.upload, { method: "HEAD", credentials: "same-origin", headers: headers({}), cache: "no-store" });
    if (response.status === 409) return null; // finished on the server (kept as partial meanwhile)
    if (!response.ok) throw new Error(`status ${response.status}`);
    return Number(response.headers.get("Upload-Offset"));
  }

  function dropSent(offset) {
    let skip = offset - sentOffset;
    while (skip > 0 && queue.length) {
      const first = queue[0];
      if (first.size <= skip) { queue.shift(); queuedBytes -= first.size; skip -= first.size; }
      else { queue[0] = first.slice(skip); queuedBytes -= skip; skip = 0; }
    }
    sentOffset = offset;
  }

  async function pump() {
    if (sending) return;
    sending = true;
    try {
      while (queue.length || (stopping && !finished && recorder === null)) {
        const parts = [];
        let size = 0;
        for (const blob of queue) {
          if (size >= MAX_PATCH_BYTES) break;
          const part = blob.size > MAX_PATCH_BYTES - size ? blob.slice(0, MAX_PATCH_BYTES - size) : blob;
          parts.push(part);
          size += part.size;
        }
        const body = new Blob(parts);
        const last = stopping && recorder === null && size === queuedBytes;
        const extra = { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(sentOffset) };
        if (last) extra["Upload-Length"] = String(totalBytes);
        let response;
        try {
          response = await fetch(urls.upload, { method: "PATCH", credentials: "same-origin", headers: headers(extra), body });
        } catch (error) {
          response = null;
        }
        if (response && response.status === 204) {
          // The server says how far it got: a chunk cut short is sent again from there.
          dropSent(Number(response.headers.get("Upload-Offset")));
          failures = 0;
          status.textContent = "";
          if (last && response.headers.get("Recording-State") !== "recording") { finished = true; window.location.href = urls.done; return; }
          continue;
        }
        if (response && response.status === 409) {
          const offset = await serverOffset().catch(() => undefined);
          if (offset === null) { finished = true; window.location.href = urls.done; return; }
          if (typeof offset === "number" && offset > sentOffset) { dropSent(offset); continue; }
          // No progress (another request of ours still holds the upload): wait as after a failure.
        } else if (response && response.status < 500 && response.status !== 429) {
          const detail = await response.json().then((b) => b.detail).catch(() => "");
          say(`The recording could not be sent: ${detail || response.status}. What arrived is kept.`, "error");
          const link = Object.assign(document.createElement("a"), { href: urls.done, textContent: "Your withdrawal code" });
          message.append(" ", link);
          finished = true;
          return;
        }
        failures += 1;
        status.textContent = "The connection was lost: your recording is kept here and will be sent when it is back.";
        await wait(Math.min(30000, 1000 * 2 ** Math.min(failures - 1, 5)));
        const offset = await serverOffset().catch(() => undefined);
        if (offset === null) { finished = true; window.location.href = urls.done; return; }
        if (typeof offset === "number") dropSent(offset);
      }
    } finally {
      sending = false;
    }
  }

  function postTimes(times) {
    return fetch(urls.times, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(times),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    }).catch(() => {});
  }

  // The stimulus' start in the recording's time: for each frame the player presents, its presentation
  // time on the recorder's clock less its media time; the median of the first frames.
  function watchFrames() {
    if (!("requestVideoFrameCallback" in HTMLVideoElement.prototype)) {
      player.addEventListener("timeupdate", () => {
        if (startOffsets.length < 10) startOffsets.push((performance.now() - recorderStart) / 1000 - player.currentTime);
        sendStart();
      });
      return;
    }
    const onFrame = (now, frame) => {
      startOffsets.push((frame.expectedDisplayTime - recorderStart) / 1000 - frame.mediaTime);
      sendStart();
      if (startOffsets.length < 30) player.requestVideoFrameCallback(onFrame);
    };
    player.requestVideoFrameCallback(onFrame);
  }

  function stimulusStart() {
    const sorted = startOffsets.slice().sort((a, b) => a - b);
    return Math.max(0, sorted[Math.floor(sorted.length / 2)]);
  }

  function sendStart() {
    if (startSent || startOffsets.length < 5) return;
    startSent = true;
    postTimes({ start_s: stimulusStart() });
  }

  async function start() {
    startButton.disabled = true;
    say("Starting your camera…");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      await createUpload();
    } catch (error) {
      const denied = error && error.name === "NotAllowedError";
      say(denied ? "The camera was not allowed: allow this page to use it, then press Start again." : String(error.message || error), "error");
      startButton.disabled = false;
      if (stream) stream.getTracks().forEach((track) => track.stop());
      return;
    }
    selfView.srcObject = stream;
    selfView.play().catch(() => {});
    const type = ["video/webm;codecs=vp8", "video/webm"].find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t));
    recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: BITS_PER_SECOND });
    recorder.ondataavailable = (event) => {
      if (!event.data || !event.data.size) return;
      queue.push(event.data); queuedBytes += event.data.size; totalBytes += event.data.size;
      pump();
    };
    recorder.onstop = () => {
      stream.getTracks().forEach((track) => track.stop());
      recorder = null;
      pump();
    };
    recorder.onstart = () => {
      recorderStart = performance.now();
      root.dataset.state = "recording";
      startButton.hidden = true;
      say("Recording. Please watch the video to the end.");
      watchFrames();
      player.src = urls.stimulus;
      player.play().catch(() => { player.controls = true; say("Press play to start the video.", "error"); });
    };
    recorder.start(1000);
  }

  player.addEventListener("ended", () => {
    if (!startSent && startOffsets.length) { startSent = true; postTimes({ start_s: stimulusStart() }); }
    const end = stimulusStart() + player.duration;
    postTimes({ end_s: end }).then(() => {
      stopping = true;
      root.dataset.state = "sending";
      say("Thank you: the video has ended. Sending the last of your recording…");
      // A little past the end, so the last frames in view are recorded too.
      setTimeout(() => { if (recorder && recorder.state !== "inactive") recorder.stop(); }, 500);
    });
  });

  window.addEventListener("pagehide", () => {
    if (recorder !== null || (stopping && !finished)) navigator.sendBeacon(urls.left, new Blob());
  });
  window.addEventListener("online", () => { if (wake) wake(); else if (queue.length || stopping) pump(); });
  startButton.addEventListener("click", start);
})();
