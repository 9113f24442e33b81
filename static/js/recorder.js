// The Record tab: the camera's live preview (getUserMedia), Start/Stop with a mm:ss timer
// (MediaRecorder, WebM), then the recording to review with a title and "Upload and analyse", which
// hands it to the uploader (uploader.js: same tus upload, same progress line). The camera is
// released when the recording stops, when the tab is left and when the page is.
(function () {
  "use strict";
  const panel = document.getElementById("panel-record");
  if (!panel || !window.emotionUploader) return;

  const message = document.getElementById("record-message");
  const preview = document.getElementById("record-preview");
  const cameraButton = document.getElementById("record-camera");
  const startButton = document.getElementById("record-start");
  const stopButton = document.getElementById("record-stop");
  const timer = document.getElementById("record-timer");
  const review = document.getElementById("record-review");
  const playback = document.getElementById("record-playback");
  const title = document.getElementById("record-title");
  const uploadButton = document.getElementById("record-upload");
  const discardButton = document.getElementById("record-discard");

  let stream = null;
  let recorder = null;
  let chunks = [];
  let recording = null; // the File to review
  let playbackUrl = null;
  let startedAt = 0;
  let ticker = null;
  let opening = false;

  const pad = (n) => String(n).padStart(2, "0");

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
  }

  function show(state) {
    // off: camera off; live: preview; recording; review: the recording to send.
    panel.dataset.state = state;
    preview.hidden = !["live", "recording"].includes(state);
    review.hidden = state !== "review";
    cameraButton.hidden = state !== "off";
    startButton.hidden = stopButton.hidden = timer.hidden = !["live", "recording"].includes(state);
    startButton.disabled = state !== "live";
    stopButton.disabled = state !== "recording";
  }

  function mimeType(withAudio) {
    const candidates = withAudio
      ? ["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm"]
      : ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];
    return candidates.find((type) => MediaRecorder.isTypeSupported(type)) || "";
  }

  function whyNot(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return "The camera was not allowed. Allow this site to use the camera (the icon in the address bar), then turn it on again.";
      case "NotFoundError":
      case "OverconstrainedError":
        return "No camera was found. Connect one, then turn it on again.";
      case "NotReadableError":
      case "AbortError":
        return "The camera could not be started: another application may be using it.";
      default:
        return `The camera could not be started${error && error.message ? `: ${error.message}` : "."}`;
    }
  }

  async function openCamera() {
    if (stream || opening) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      say("This browser cannot record here: recording needs a recent browser and a secure (https) page.", true);
      show("off");
      return;
    }
    opening = true;
    say("Asking for the camera…");
    try {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      } catch (error) {
        if (error.name !== "NotFoundError") throw error;
        stream = await navigator.mediaDevices.getUserMedia({ video: true }); // a camera without a microphone
      }
      if (panel.hidden) { releaseCamera(); return; } // the tab was left while the browser asked
      preview.srcObject = stream;
      preview.play().catch(() => {});
      timer.textContent = "00:00";
      say(stream.getAudioTracks().length ? "Camera on. Start recording when ready." : "Camera on (no microphone found). Start recording when ready.");
      show("live");
    } catch (error) {
      releaseCamera();
      say(whyNot(error), true);
      show("off");
    } finally {
      opening = false;
    }
  }

  function releaseCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    preview.srcObject = null;
  }

  function start() {
    if (!stream) return;
    const type = mimeType(stream.getAudioTracks().length > 0);
    try {
      recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    } catch (error) {
      say(`This browser cannot record this camera: ${error.message}`, true);
      return;
    }
    chunks = [];
    recorder.ondataavailable = (event) => { if (event.data && event.data.size) chunks.push(event.data); };
    recorder.onstop = finished;
    recorder.start(1000);
    startedAt = performance.now();
    ticker = setInterval(tick, 250);
    tick();
    say("Recording…");
    show("recording");
  }

  function tick() {
    const seconds = Math.floor((performance.now() - startedAt) / 1000);
    timer.textContent = `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;
  }

  function stop() {
    clearInterval(ticker);
    if (recorder && recorder.state !== "inactive") recorder.stop(); // finished() follows
    else releaseCamera();
  }

  function finished() {
    releaseCamera();
    const type = (recorder && recorder.mimeType) || "video/webm";
    recorder = null;
    if (!chunks.length) {
      say("Nothing was recorded. Turn the camera on and try again.", true);
      show("off");
      return;
    }
    const now = new Date();
    const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    const time = `${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
    recording = new File(chunks, `recording-${stamp}T${time}.webm`, { type: type.split(";")[0], lastModified: now.getTime() });
    chunks = [];
    if (playbackUrl) URL.revokeObjectURL(playbackUrl);
    playbackUrl = URL.createObjectURL(recording);
    playback.src = playbackUrl;
    title.value = `Recording ${stamp} ${time.replace(/-/g, ":")}`;
    say(`Recorded ${timer.textContent}. Review it, give it a title, then upload it.`);
    show("review");
  }

  function clearReview() {
    playback.removeAttribute("src");
    playback.load();
    if (playbackUrl) URL.revokeObjectURL(playbackUrl);
    playbackUrl = null;
    recording = null;
  }

  cameraButton.addEventListener("click", openCamera);
  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  uploadButton.addEventListener("click", () => {
    if (!recording) return;
    if (!title.value.trim()) {
      say("Give the recording a title.", true);
      title.focus();
      return;
    }
    window.emotionUploader.add(recording, title.value.trim());
    clearReview();
    say("Your recording is uploading: see its progress below.");
    cameraButton.textContent = "Record another";
    show("off");
  });
  discardButton.addEventListener("click", () => {
    clearReview();
    say("");
    openCamera();
  });

  // Showing the tab turns the camera on, unless it failed last time (the button tries again).
  panel.addEventListener("panel-shown", () => {
    if (panel.dataset.state === "off" && !message.classList.contains("error")) openCamera();
  });
  panel.addEventListener("panel-hidden", () => {
    if (recorder && recorder.state !== "inactive") stop(); // keeps what was recorded, for review
    else if (stream) { releaseCamera(); say(""); show("off"); }
  });
  window.addEventListener("pagehide", () => { if (recorder && recorder.state !== "inactive") recorder.stop(); releaseCamera(); });
  show("off");
})();
