/* The reading editor: a live preview of the Markdown, and images inserted where the cursor is.
   Without this script the page still works: "Preview" renders on the server, and an upload
   shows the line to paste. */
(function () {
  "use strict";
  var form = document.getElementById("reading-form");
  if (!form || !window.fetch || !window.FormData) return;
  var area = form.querySelector("textarea[name=body_markdown]");
  var out = document.getElementById("reading-preview");
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null;
  var sent = 0;

  function refresh() {
    var data = new FormData();
    var mine = ++sent;
    if (token) data.append("csrf_token", token.value);
    data.append("body_markdown", area.value);
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", body: data, credentials: "same-origin"
    }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      // The server sanitised it (nh3); only the newest answer is shown.
      if (html !== null && mine === sent) out.innerHTML = html;
    }).catch(function () { /* offline: keep the last preview */ });
  }

  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });

  function insert(text) {
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    var before = value.slice(0, start), after = value.slice(end);
    // The image gets a paragraph of its own: a blank line before and after it.
    var gap = !before || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var line = gap + text + "\n\n";
    area.value = before + line + after;
    area.selectionStart = area.selectionEnd = start + line.length;
    area.focus();
    refresh();
  }

  var upload = document.getElementById("upload-form");
  var status = document.getElementById("upload-status");
  if (!upload) return;
  upload.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = upload.getAttribute("data-uploading");
    fetch(upload.action, {
      method: "POST", body: new FormData(upload), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (res.ok) {
        insert(res.body.markdown);
        status.textContent = upload.getAttribute("data-inserted");
        upload.reset();
      } else {
        status.textContent = res.body.error || upload.getAttribute("data-failed");
      }
    }).catch(function () {
      status.textContent = upload.getAttribute("data-failed");
    });
  });
})();
