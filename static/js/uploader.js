// The upload page with JavaScript: files chosen or dropped (a folder too) each get a line with an
// editable title, are checked here (type, emptiness, size: the server checks again), then sent two
// at a time through tus (tus_upload.js) with progress, speed and time left; Cancel stops one and
// deletes it on the server. The plain form (#upload-form) stays for browsers without JavaScript.
// Exposes window.emotionUploader.add(file, title), which queues and starts it, for the Record tab (recorder.js).
(function () {
  "use strict";
  const root = document.getElementById("uploader");
  const plainForm = document.getElementById("upload-form");
  if (!root || !plainForm || !window.TusUpload || !window.fetch || !window.Blob || !Blob.prototype.slice) return;

  // One upload at a time, in the order chosen, so the analyses queue in that order too (with two at once
  // a small second file finished, and was analysed, before a large first one); one link's bandwidth is
  // shared by parallel uploads anyway.
  const PARALLEL = 1;
  const extensions = (root.dataset.accept || "").split(",").map((ext) => ext.trim().replace(/^\./, "").toLowerCase()).filter(Boolean);
  const maxBytes = Number.parseInt(root.dataset.maxBytes, 10) > 0 ? Number.parseInt(root.dataset.maxBytes, 10) : null;
  const fileInput = document.getElementById("upload-files");
  const dropZone = document.getElementById("drop-zone");
  const sampling = document.getElementById("upload-sampling");
  const study = document.getElementById("upload-study"); // only when the user has studies
  const list = document.getElementById("upload-list");
  const startButton = document.getElementById("upload-start");
  const summary = document.getElementById("upload-summary");
  const lines = [];
  let serial = 0;

  plainForm.hidden = true;
  root.hidden = false;
  if (maxBytes) document.getElementById("upload-max").textContent = `, up to ${humanSize(maxBytes)} each`;

  // Sizes as the server words them (videos.storage_quota.human_size): 1536 -> "1.5 KB".
  function humanSize(n) {
    const units = ["bytes", "KB", "MB", "GB"];
    let unit = 0;
    while (n >= 1024 && unit < units.length - 1) { n /= 1024; unit += 1; }
    return unit === 0 ? `${n.toFixed(0)} bytes` : `${n.toFixed(1)} ${units[unit]}`;
  }

  function duration(seconds) {
    if (!Number.isFinite(seconds)) return "";
    seconds = Math.ceil(seconds);
    if (seconds < 60) return `${seconds} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
    return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  }

  function extensionOf(name) {
    const dot = name.lastIndexOf(".");
    return dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
  }

  // Why this file cannot be sent (the server's words, videos.upload_checks), or null.
  function refusal(file) {
    const extension = extensionOf(file.name);
    if (extensions.length && !extensions.includes(extension)) {
      return `Unsupported file type “.${extension}”. Upload one of: ${extensions.join(", ")}.`;
    }
    if (file.size === 0) return "The file is empty.";
    if (maxBytes && file.size > maxBytes) return `This file is larger than the ${humanSize(maxBytes)} limit.`;
    return null;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  // One file's line: its name and size, title, progress, speed and time left, status, and a button.
  function add(file, title, start) {
    serial += 1;
    const line = { file, state: "ready", node: element("li", "upload-line"), samples: [] };
    const head = element("div", "upload-head");
    head.append(element("span", "upload-name", file.name), element("span", "upload-size meta", humanSize(file.size)));
    line.button = element("button", "secondary upload-cancel", "Remove");
    line.button.type = "button";
    head.append(line.button);
    const titleRow = element("p", "upload-title-row");
    const label = element("label", null, "Title");
    line.title = element("input", "upload-title");
    line.title.type = "text";
    line.title.maxLength = 200;
    line.title.id = label.htmlFor = `upload-title-${serial}`;
    line.title.value = title != null ? title : file.name.replace(/\.[^.]*$/, "");
    titleRow.append(label, line.title);
    const bar = element("div", "upload-bar");
    line.progress = element("progress");
    line.progress.max = 100;
    line.progress.value = 0;
    line.progress.setAttribute("aria-label", `Upload of ${file.name}`);
    line.percent = element("span", "upload-percent", "0%");
    bar.append(line.progress, line.percent);
    line.stats = element("p", "upload-stats meta");
    line.status = element("p", "upload-status");
    line.status.setAttribute("role", "status");
    line.status.setAttribute("aria-live", "polite");
    line.resumed = element("p", "upload-resumed meta");
    line.errors = element("ul", "errorlist upload-errors");
    line.node.append(head, titleRow, bar, line.stats, line.status, line.resumed, line.errors);
    line.node.dataset.state = "ready";
    list.append(line.node);
    lines.push(line);
    line.button.addEventListener("click", () => cancel(line));

    const why = refusal(file);
    if (why) {
      setState(line, "invalid");
      showErrors(line, [why]);
    } else {
      // Sent in part before (a reload, a crash): it resumes, if its title and sampling stay the same.
      const earlier = window.TusUpload.remembered(file);
      if (earlier && earlier.offset) {
        if (title == null && earlier.metadata && earlier.metadata.title) line.title.value = earlier.metadata.title;
        line.status.textContent = `An earlier upload of this file stopped at ${Math.floor((100 * earlier.offset) / file.size)}%: it will resume from there.`;
      }
    }
    if (start && !why) queue(line);
    refresh();
    return line;
  }

  function setState(line, state) {
    line.state = state;
    line.node.dataset.state = state;
    line.title.readOnly = state !== "ready";
    line.button.textContent = ["queued", "uploading"].includes(state) ? "Cancel" : "Remove";
    line.button.hidden = state === "done";
    line.button.setAttribute("aria-label", `${line.button.textContent} ${line.file.name}`);
  }

  function showErrors(line, messages) {
    line.errors.replaceChildren(...messages.map((message) => element("li", null, message)));
  }

  function queue(line) {
    if (!line.title.value.trim()) {
      showErrors(line, ["Give this video a title."]);
      line.title.focus();
      return false;
    }
    showErrors(line, []);
    setState(line, "queued");
    line.status.textContent = "Waiting for its turn…";
    line.sampling = sampling.value;
    line.study = study ? study.value : "";
    return true;
  }

  function pump() {
    let active = lines.filter((line) => line.state === "uploading").length;
    for (const line of lines) {
      if (active >= PARALLEL) break;
      if (line.state !== "queued") continue;
      send(line);
      active += 1;
    }
    refresh();
  }

  function send(line) {
    setState(line, "uploading");
    line.status.textContent = "Starting…";
    line.started = performance.now();
    const chunkSize = Number.parseInt(root.dataset.chunkBytes, 10) || window.TUS_CHUNK_BYTES || undefined;
    line.upload = new window.TusUpload(line.file, {
      endpoint: root.dataset.endpoint,
      chunkSize,
      metadata: { filename: line.file.name, title: line.title.value.trim(), sample_fps: line.sampling, study: line.study },
      onProgress: (sent, total) => progress(line, sent, total),
      onStatus: (text, kind) => {
        if (kind === "resumed") {
          line.resumed.textContent = text; // stays: the connection was lost and when it came back
          line.status.textContent = "Uploading…";
          return;
        }
        line.status.textContent = text;
        if (kind === "lost") { line.samples = []; line.stats.textContent = ""; }
      },
      onSuccess: (result) => finished(line, result),
      onError: (messages) => {
        setState(line, "failed");
        line.status.textContent = "Not uploaded.";
        showErrors(line, messages);
        pump();
      },
    });
    line.upload.start();
  }

  // Progress, and the speed over the last 5 s with the time left at that speed.
  function progress(line, sent, total) {
    const percent = total ? Math.floor((100 * sent) / total) : 0;
    line.progress.value = percent;
    line.percent.textContent = `${percent}%`;
    if (line.state !== "uploading" || line.upload.retryTimer) return;
    if (total && sent >= total) { // all sent: the server checks the video before answering
      line.status.textContent = "Checking the video…";
      line.stats.textContent = "";
      return;
    }
    if (line.status.textContent !== "Uploading…") line.status.textContent = "Uploading…";
    const now = performance.now();
    if (line.samples.length && sent < line.samples[line.samples.length - 1][1]) line.samples = []; // went back (resumed)
    line.samples.push([now, sent]);
    while (line.samples.length > 2 && now - line.samples[0][0] > 5000) line.samples.shift();
    const [t0, sent0] = line.samples[0];
    if (now - t0 < 500) return;
    const speed = ((sent - sent0) * 1000) / (now - t0); // bytes per second
    const left = speed > 0 ? (total - sent) / speed : Infinity;
    line.stats.textContent = `${(speed / 1e6).toFixed(1)} MB/s · ${Number.isFinite(left) ? `${duration(left)} left` : "stalled"}`;
  }

  function finished(line, result) {
    setState(line, "done");
    line.result = result;
    line.progress.value = 100;
    line.percent.textContent = "100%";
    line.stats.textContent = "";
    line.status.textContent = "Uploaded: its analysis is on its way.";
    if (result.videoPage) {
      const link = element("a", "upload-video-link", "See its analysis");
      link.href = result.videoPage;
      line.status.append(" ", link);
    }
    pump();
  }

  function cancel(line) {
    if (line.state === "uploading" || line.state === "queued") {
      if (line.upload) line.upload.cancel(); // aborts, and DELETEs it on the server
      setState(line, "cancelled");
      line.status.textContent = "Cancelled.";
      line.stats.textContent = "";
      pump();
      return;
    }
    line.node.remove();
    lines.splice(lines.indexOf(line), 1);
    refresh();
  }

  // The start button while some lines wait for it; a summary with every video's link when all are done.
  function refresh() {
    const ready = lines.filter((line) => line.state === "ready").length;
    startButton.hidden = ready === 0;
    startButton.textContent = ready > 1 ? `Upload and analyse ${ready} videos` : "Upload and analyse";
    const busy = lines.some((line) => ["queued", "uploading"].includes(line.state));
    const done = lines.filter((line) => line.state === "done");
    if (busy || !done.length) {
      summary.replaceChildren();
      return;
    }
    const heading = element("p", null, done.length === 1 ? "Your video is uploaded; it will be analysed:" : `All ${done.length} videos are uploaded; each will be analysed:`);
    const links = element("ul", "upload-links");
    for (const line of done) {
      const item = element("li");
      const link = element(line.result.videoPage ? "a" : "span", null, line.title.value.trim());
      if (line.result.videoPage) link.href = line.result.videoPage;
      item.append(link);
      links.append(item);
    }
    const all = element("a", "upload-all-link", "See all your videos");
    all.href = root.dataset.videosUrl;
    const footer = element("p");
    footer.append(all);
    summary.replaceChildren(heading, links, footer);
  }

  startButton.addEventListener("click", () => {
    for (const line of lines) if (line.state === "ready") queue(line);
    pump();
  });

  function addAll(files, fromFolder) {
    let skipped = 0;
    for (const file of files) {
      // A folder's other files (pictures, .DS_Store ...) are left out, not each shown as refused.
      if (fromFolder && extensions.length && !extensions.includes(extensionOf(file.name))) { skipped += 1; continue; }
      add(file);
    }
    if (skipped) {
      const note = element("li", "upload-note meta", `${skipped} file${skipped > 1 ? "s" : ""} of the folder ${skipped > 1 ? "are" : "is"} not a video and ${skipped > 1 ? "were" : "was"} left out.`);
      list.append(note);
    }
  }

  fileInput.addEventListener("change", () => {
    addAll(Array.from(fileInput.files), false);
    fileInput.value = "";
  });

  // Drop: files, and the files of dropped folders (webkitGetAsEntry), read recursively.
  function entryFiles(entry) {
    if (entry.isFile) return new Promise((resolve) => entry.file((file) => resolve([file]), () => resolve([])));
    if (!entry.isDirectory) return Promise.resolve([]);
    const reader = entry.createReader();
    const files = [];
    return new Promise((resolve) => {
      const next = () => reader.readEntries(async (entries) => {
        if (!entries.length) { resolve(files); return; }
        for (const child of entries) files.push(...(await entryFiles(child)));
        next();
      }, () => resolve(files));
      next();
    });
  }

  ["dragenter", "dragover"].forEach((type) => dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  }));
  ["dragleave", "dragend"].forEach((type) => dropZone.addEventListener(type, () => dropZone.classList.remove("dragging")));
  dropZone.addEventListener("drop", async (event) => {
    event.preventDefault();
    dropZone.classList.remove("dragging");
    const transfer = event.dataTransfer;
    const entries = Array.from(transfer.items || [], (item) => (item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
    if (entries.length && entries.every(Boolean) && entries.some((entry) => entry.isDirectory)) {
      for (const entry of entries) addAll(await entryFiles(entry), entry.isDirectory);
    } else {
      addAll(Array.from(transfer.files), false);
    }
  });
  // A file dropped beside the zone must not make the browser leave the page to show it.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());

  window.addEventListener("beforeunload", (event) => {
    if (lines.some((line) => line.state === "uploading")) event.preventDefault();
  });

  // Tabs: "Upload files" and "Record"; the panels hear "panel-shown" and "panel-hidden".
  const tabs = Array.from(root.querySelectorAll("[role=tab]"));
  function select(tab) {
    for (const other of tabs) {
      const selected = other === tab;
      const panel = document.getElementById(other.getAttribute("aria-controls"));
      const wasShown = !panel.hidden;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      panel.hidden = !selected;
      if (selected !== wasShown) panel.dispatchEvent(new CustomEvent(selected ? "panel-shown" : "panel-hidden"));
    }
  }
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(index + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });

  window.emotionUploader = {
    add(file, title) {
      const line = add(file, title, true);
      pump();
      return line;
    },
  };
})();
