// A small tus 1.0 client (core, creation, termination): POST creates the upload, PATCH sends it
// chunk by chunk (XMLHttpRequest, for progress within a chunk), HEAD asks where the server is,
// DELETE cancels. Each upload's URL is kept in localStorage under the file's fingerprint (name,
// size, last modified), so that choosing the same file again after a reload or a crash resumes it.
// Network errors, stalls and 5xx are retried while the page is open, 1, 2, 4 ... 30 s apart, or at
// once when the browser is back online. Exposes window.TusUpload.
(function () {
  "use strict";
  const TUS_VERSION = "1.0.0";
  const STORE_PREFIX = "tus-upload:";
  const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
  const MAX_DELAY_S = 30;
  const STALL_MS = 60000; // nothing sent for this long: the connection is dead, even without an error

  class NetworkError extends Error {}
  class Stopped extends Error {}
  class Gone extends Error {}
  class Refused extends Error {
    constructor(messages) { super(messages.join(" ")); this.messages = messages; }
  }

  const base64Utf8 = (text) => btoa(Array.from(new TextEncoder().encode(String(text)), (b) => String.fromCharCode(b)).join(""));
  const fingerprint = (file) => STORE_PREFIX + [file.name, file.size, file.lastModified].join("/");

  function csrfToken() {
    const cookie = document.cookie.split(";").map((part) => part.trim()).find((part) => part.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A refusal's messages, from DRF's shape: {"file": [...], "title": [...], "non_field_errors": [...], "detail": "..."}.
  function refusalMessages(text, status) {
    try {
      const messages = [];
      for (const [field, value] of Object.entries(JSON.parse(text))) {
        const name = field.replace(/_/g, " ");
        const prefix = ["file", "non_field_errors", "detail"].includes(field) ? "" : `${name[0].toUpperCase()}${name.slice(1)}: `;
        for (const message of [].concat(value)) messages.push(prefix + String(message));
      }
      if (messages.length) return messages;
    } catch (error) { /* not JSON: a proxy's page, or Django's own 403 */ }
    if (status === 403) return ["The server refused the upload (403): reload the page, sign in if asked, and try again."];
    if (status === 413) return ["This file is too large for the server."];
    return [`The server refused the upload (${status}).`];
  }

  function remembered(file) {
    try { return JSON.parse(localStorage.getItem(fingerprint(file)) || "null"); } catch (error) { return null; }
  }

  // Forget the uploads whose server copy has expired.
  try {
    for (const key of Object.keys(localStorage).filter((k) => k.startsWith(STORE_PREFIX))) {
      const entry = JSON.parse(localStorage.getItem(key) || "null");
      if (!entry || (entry.expires && Date.parse(entry.expires) < Date.now())) localStorage.removeItem(key);
    }
  } catch (error) { /* storage disabled */ }

  class TusUpload {
    // options: endpoint, metadata ({key: text}), chunkSize, and the callbacks onProgress(sent, total),
    // onStatus(text, kind: "lost" or "resumed"), onSuccess({videoLocation, videoPage}), onError(messages).
    constructor(file, options) {
      Object.assign(this, { file, options, key: fingerprint(file), location: null, offset: 0, failures: 0 });
      this.chunkSize = options.chunkSize || DEFAULT_CHUNK_BYTES;
      this.metadata = JSON.stringify(options.metadata || {});
      this.onOnline = () => { if (this.retryTimer) this.retryNow(); };
    }

    // What is known of an earlier upload of this same file ({offset, metadata}), or null.
    static remembered(file) { return remembered(file); }

    start() {
      this.stopped = false;
      window.addEventListener("online", this.onOnline);
      this.run();
    }

    async run() {
      try {
        const entry = this.location ? null : remembered(this.file);
        if (entry && JSON.stringify(entry.metadata) === this.metadata) this.location = entry.location;
        else if (entry) this.discard(entry.location); // its title or sampling changed: start afresh
        if (this.location && !(await this.head())) this.forget();
        if (this.done) return; // head() found it complete
        if (!this.location) await this.create();
        while (!this.stopped && !(await this.patch())) { /* the next chunk */ }
      } catch (error) {
        if (this.stopped || error instanceof Stopped) return;
        if (error instanceof NetworkError) this.scheduleRetry();
        else if (error instanceof Gone && (this.restarts = (this.restarts || 0) + 1) <= 2) { this.forget(); this.run(); }
        else this.fail(error instanceof Refused ? error.messages : ["The upload was lost on the server."]);
      }
    }

    headers(extra) {
      return { "Tus-Resumable": TUS_VERSION, "X-CSRFToken": csrfToken(), ...extra };
    }

    async request(method, url, headers) {
      this.controller = new AbortController();
      try {
        return await fetch(url, { method, headers, credentials: "same-origin", cache: "no-store", signal: this.controller.signal });
      } catch (error) {
        throw this.stopped ? new Stopped() : new NetworkError(String(error));
      }
    }

    async refused(response) {
      if (response.status >= 500 || response.status === 429) throw new NetworkError(`status ${response.status}`);
      throw new Refused(refusalMessages(await response.text(), response.status));
    }

    async create() {
      const metadata = Object.entries(this.options.metadata || {}).map(([key, text]) => `${key} ${base64Utf8(text)}`).join(",");
      const response = await this.request("POST", this.options.endpoint,
        this.headers({ "Upload-Length": String(this.file.size), "Upload-Metadata": metadata }));
      if (response.status !== 201 || !response.headers.get("Location")) await this.refused(response);
      this.location = new URL(response.headers.get("Location"), window.location.href).href;
      this.offset = 0;
      this.remember(response.headers.get("Upload-Expires"));
      this.recovered();
    }

    // Where the server is: true with this.offset set (and done if complete), false if the upload is gone.
    async head() {
      const response = await this.request("HEAD", this.location, this.headers());
      if ([403, 404, 410].includes(response.status)) {
        if (this.sentLastChunk) throw new Refused(["The connection dropped as the upload ended: it may have been stored. See your videos before sending it again."]);
        return false;
      }
      if (!response.ok) await this.refused(response);
      const offset = Number.parseInt(response.headers.get("Upload-Offset"), 10);
      const length = Number.parseInt(response.headers.get("Upload-Length"), 10);
      if (!Number.isFinite(offset) || (Number.isFinite(length) && length !== this.file.size)) return false;
      this.offset = offset;
      this.options.onProgress(offset, this.file.size);
      if (offset >= this.file.size) this.succeed(response.headers);
      else this.sentLastChunk = false;
      return true;
    }

    // PATCH the next chunk: resolves true once the whole file is on the server.
    patch() {
      return new Promise((resolve, reject) => {
        const xhr = (this.xhr = new XMLHttpRequest());
        const end = Math.min(this.offset + this.chunkSize, this.file.size);
        let stall = null;
        let stalled = false;
        const watch = () => { clearTimeout(stall); stall = setTimeout(() => { stalled = true; xhr.abort(); }, STALL_MS); };
        xhr.open("PATCH", this.location);
        const headers = this.headers({ "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(this.offset) });
        for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
        xhr.upload.onprogress = (event) => { watch(); this.options.onProgress(this.offset + event.loaded, this.file.size); };
        xhr.upload.onload = () => { clearTimeout(stall); if (end >= this.file.size) this.sentLastChunk = true; };
        xhr.onerror = () => { clearTimeout(stall); reject(new NetworkError("network error")); };
        xhr.onabort = () => { clearTimeout(stall); reject(stalled ? new NetworkError("stalled") : new Stopped()); };
        xhr.onload = () => {
          clearTimeout(stall);
          const status = xhr.status;
          if (status === 204 || status === 200) {
            const offset = Number.parseInt(xhr.getResponseHeader("Upload-Offset"), 10);
            if (!Number.isFinite(offset)) { reject(new NetworkError("no Upload-Offset")); return; }
            this.offset = offset;
            this.remember();
            this.recovered();
            this.options.onProgress(offset, this.file.size);
            if (offset >= this.file.size) this.succeed({ get: (name) => xhr.getResponseHeader(name) });
            resolve(offset >= this.file.size);
          } else if (status === 409) { // not where we thought: ask, and go on from the server's offset
            this.head().then((found) => (found ? resolve(Boolean(this.done)) : reject(new Gone())), reject);
          } else if (status === 404 || status === 410) {
            reject(this.sentLastChunk ? new Refused(["The upload was lost on the server as it ended."]) : new Gone());
          } else if (status === 0 || status >= 500 || status === 429) {
            reject(new NetworkError(`status ${status}`));
          } else { // refused (400, 403, 413, 422 ...): the server has dropped the upload
            this.forget();
            reject(new Refused(refusalMessages(xhr.responseText, status)));
          }
        };
        watch();
        xhr.send(this.file.slice(this.offset, end));
      });
    }

    scheduleRetry() {
      let left = Math.min(MAX_DELAY_S, 2 ** this.failures);
      this.failures += 1;
      this.lost = true;
      const tick = () => {
        if (left <= 0) { this.retryNow(); return; }
        const offline = navigator.onLine === false ? " (offline)" : "";
        this.options.onStatus(`Connection lost${offline}, retrying in ${left} s…`, "lost");
        left -= 1;
        this.retryTimer = setTimeout(tick, 1000);
      };
      tick();
    }

    retryNow() {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.options.onStatus("Reconnecting…", "lost");
      this.run();
    }

    recovered() { // the server took something: the retries start again from 1 s
      this.failures = 0;
      if (!this.lost) return;
      this.lost = false;
      this.options.onStatus(`Connection lost, then back: resumed at ${new Date().toLocaleTimeString()}.`, "resumed");
    }

    remember(expires) {
      try {
        const earlier = remembered(this.file) || {};
        localStorage.setItem(this.key, JSON.stringify({
          location: this.location, offset: this.offset, metadata: JSON.parse(this.metadata), expires: expires || earlier.expires || null,
        }));
      } catch (error) { /* storage full or disabled: no resuming after a reload, the rest works */ }
    }

    forget() {
      try { localStorage.removeItem(this.key); } catch (error) { /* see remember() */ }
      this.location = null;
      this.offset = 0;
    }

    discard(location) {
      fetch(location, { method: "DELETE", headers: this.headers(), credentials: "same-origin" }).catch(() => {});
      this.forget();
    }

    finish() {
      window.removeEventListener("online", this.onOnline);
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }

    succeed(headers) {
      this.done = true;
      this.forget();
      this.finish();
      this.options.onSuccess({ videoLocation: headers.get("Video-Location"), videoPage: headers.get("Video-Page") });
    }

    fail(messages) {
      this.finish();
      this.options.onError(messages);
    }

    // Cancel: stop sending, forget the upload and DELETE it on the server.
    cancel() {
      this.stopped = true;
      this.finish();
      if (this.xhr) this.xhr.abort();
      if (this.controller) this.controller.abort();
      if (this.location && !this.done) this.discard(this.location);
      else this.forget();
    }
  }

  window.TusUpload = TusUpload;
})();
