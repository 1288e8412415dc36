/* The attempt page: one question per screen, answers saved as they are given.

   Every change is queued in localStorage (keyed by the attempt) with a sequence
   number, then sent as a small JSON post; "已保存" shows only when the server
   confirms. A failed send (offline, server busy, login expired) stays queued and
   is retried with backoff, and at once when the browser comes back online; a
   reloaded page puts queued answers back into the form and sends them. The
   server keeps the newest answer per question by sequence number, so a retry
   or an older tab cannot overwrite a newer answer. The countdown starts from
   the seconds the server gave and is corrected by every save's reply. Without
   this script each screen is a form that posts its answer and moves on. */
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root || !window.fetch || !window.JSON || !document.querySelector) return;

  var attemptId = root.getAttribute("data-attempt");
  var saveUrl = root.getAttribute("data-save-url");
  var flagUrl = root.getAttribute("data-flag-url");
  var token = root.getAttribute("data-token");
  var instant = root.getAttribute("data-instant") === "1";
  var statusEl = document.getElementById("save-status");
  var countdown = document.getElementById("countdown");
  var countdownTime = document.getElementById("countdown-time");
  var storageKey = "studyhub-attempt-" + attemptId;
  var sections = Array.prototype.slice.call(root.querySelectorAll(".question-screen"));
  var navLinks = Array.prototype.slice.call(root.querySelectorAll(".navigator .nav-item"));
  var remainingAttr = root.getAttribute("data-remaining");
  var deadline = remainingAttr === "" ? null : Date.now() + parseInt(remainingAttr, 10) * 1000;
  var busy = false;
  var retryTimer = null;
  var backoff = 1000;
  var finishing = false;
  var stopped = false;
  var lastSavedAt = null;

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }

  // --- storage ------------------------------------------------------------------------------
  var memory = null;
  function load() {
    if (memory) return memory;
    try { memory = JSON.parse(window.localStorage.getItem(storageKey) || "null"); } catch (e) { memory = null; }
    if (!memory || typeof memory !== "object") memory = {};
    memory.seq = memory.seq || 0;
    memory.pending = memory.pending || {};
    return memory;
  }
  function store() {
    try { window.localStorage.setItem(storageKey, JSON.stringify(load())); } catch (e) { /* private mode: memory only */ }
  }
  function nextSeq() {
    var state = load();
    state.seq = Math.max(state.seq, parseInt(root.getAttribute("data-max-seq"), 10) || 0) + 1;
    return state.seq;
  }
  function pendingCount() {
    return Object.keys(load().pending).length;
  }

  // --- the form ------------------------------------------------------------------------------
  function section(position) {
    return root.querySelector('.question-screen[data-position="' + position + '"]');
  }
  function responseOf(sec) {
    var qtype = sec.getAttribute("data-qtype");
    var inputs = Array.prototype.slice.call(sec.querySelectorAll('[name="response"]'));
    if (qtype === "fillin") return inputs.map(function (i) { return i.value; });
    if (qtype === "essay") return inputs.length ? inputs[0].value : null;
    var chosen = inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    if (qtype === "multiple") return chosen;
    return chosen.length ? chosen[0] : null;
  }
  function setResponse(sec, response) {
    var qtype = sec.getAttribute("data-qtype");
    var inputs = Array.prototype.slice.call(sec.querySelectorAll('[name="response"]'));
    if (qtype === "fillin") {
      inputs.forEach(function (input, i) { input.value = (response && response[i]) || ""; });
      return;
    }
    if (qtype === "essay") {
      if (inputs.length) inputs[0].value = typeof response === "string" ? response : "";
      return;
    }
    var wanted = response === true ? ["true"] : response === false ? ["false"] : [].concat(response || []);
    inputs.forEach(function (input) { input.checked = wanted.indexOf(input.value) >= 0; });
  }
  function isAnswered(response) {
    if (response === null || response === undefined) return false;
    if (Array.isArray(response)) return response.some(function (v) { return String(v).trim() !== ""; });
    return String(response) !== "";
  }
  function markNav(position, answered, flagged) {
    navLinks.forEach(function (link) {
      if (link.getAttribute("data-position") !== String(position)) return;
      if (answered !== null) link.classList.toggle("is-answered", answered);
      if (flagged !== null) link.classList.toggle("is-flagged", flagged);
    });
  }

  // --- status ----------------------------------------------------------------------------------
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function showStatus(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = "save-status" + (kind ? " is-" + kind : "");
  }
  function showSaved(savedAt) {
    var when = savedAt ? new Date(savedAt) : new Date();
    showStatus("✓ " + msg("saved") + " " + pad(when.getHours()) + ":" + pad(when.getMinutes()) + ":" + pad(when.getSeconds()), "saved");
  }
  function showQueued() {
    showStatus(msg("queued").replace("{n}", String(pendingCount())), "queued");
  }

  // --- sending -----------------------------------------------------------------------------------
  function enqueue(position, kind, value) {
    var state = load();
    position = parseInt(position, 10);
    state.pending[kind + position] = { kind: kind, position: position, value: value, seq: nextSeq() };
    store();
    flush();
  }
  function oldest() {
    var pending = load().pending;
    var best = null;
    Object.keys(pending).forEach(function (key) {
      if (!best || pending[key].seq < pending[best].seq) best = key;
    });
    return best;
  }
  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, backoff);
    backoff = Math.min(backoff * 2, 30000);
  }
  function settle(key, entry) {
    var state = load();
    var now = state.pending[key];
    if (now && now.seq <= entry.seq) delete state.pending[key];
    store();
  }
  function send(key, entry) {
    var isFlag = entry.kind === "f";
    var body = isFlag
      ? { position: entry.position, flagged: entry.value }
      : { position: entry.position, response: entry.value, seq: entry.seq };
    return fetch(isFlag ? flagUrl : saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-Attempt-Token": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        // A page instead of an answer: the login page (the session expired) or a server
        // error; keep the answer and try again. A refused request is not tried again.
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          return { status: response.status, data: {} };
        }
        return { retry: true, login: response.ok };
      }
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }
  function flush() {
    if (busy || stopped) return;
    var key = oldest();
    if (!key) {
      if (finishing) finish();
      return;
    }
    if (navigator.onLine === false) { showQueued(); scheduleRetry(); return; }
    var entry = load().pending[key];
    busy = true;
    if (entry.kind !== "f") showStatus(msg("saving"), "saving");
    send(key, entry).then(function (result) {
      busy = false;
      if (result.retry) {
        showStatus(result.login ? msg("login") : msg("queued").replace("{n}", String(pendingCount())), "queued");
        scheduleRetry();
        return;
      }
      var data = result.data || {};
      if (data.closed && data.result_url) {
        stopped = true;
        try { window.localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
        window.location.assign(data.result_url);
        return;
      }
      if (result.status >= 500 || result.status === 429) { showQueued(); scheduleRetry(); return; }
      backoff = 1000;
      settle(key, entry);
      if (result.status >= 400) {
        showStatus(data.error || "", "error");
      } else if (entry.kind === "f") {
        markNav(entry.position, null, !!data.flagged);
        if (pendingCount() === 0) showSaved(lastSavedAt);
      } else {
        applySaved(entry, data);
      }
      flush();
    }, function () {
      busy = false;
      showQueued();
      scheduleRetry();
    });
  }
  function applySaved(entry, data) {
    var sec = section(entry.position);
    if (typeof data.remaining === "number") deadline = Date.now() + data.remaining * 1000;
    if (sec) sec.setAttribute("data-seq", String(data.seq));
    if (data.stale && sec && !load().pending["a" + entry.position]) {
      setResponse(sec, data.response);
      showStatus(msg("stale"), "saved");
    } else if (pendingCount() === 0) {
      showSaved(data.saved_at);
    }
    if (data.saved_at) lastSavedAt = data.saved_at;
    markNav(entry.position, !!data.answered, null);
    if (data.feedback_html && sec) {
      var slot = sec.querySelector(".feedback-slot");
      if (slot) slot.innerHTML = data.feedback_html;
      Array.prototype.forEach.call(sec.querySelectorAll('[name="response"]'), function (i) { i.disabled = true; });
      var check = sec.querySelector(".check-button");
      if (check) check.hidden = true;
    }
  }

  // --- navigation ----------------------------------------------------------------------------------
  function show(position) {
    var target = section(position);
    if (!target) return;
    sections.forEach(function (sec) { sec.classList.toggle("is-current", sec === target); });
    navLinks.forEach(function (link) {
      if (link.getAttribute("data-position") === String(position)) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + "?q=" + position);
    }
    root.scrollIntoView({ block: "start" });
  }
  function finish() {
    var link = document.getElementById("finish-link");
    if (pendingCount() > 0) {
      finishing = true;
      showStatus(msg("wait"), "queued");
      flush();
      return;
    }
    finishing = false;
    if (link) window.location.assign(link.href);
  }

  navLinks.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      show(link.getAttribute("data-position"));
    });
  });
  var finishLink = document.getElementById("finish-link");
  if (finishLink) finishLink.addEventListener("click", function (event) { event.preventDefault(); finish(); });

  sections.forEach(function (sec) {
    var position = sec.getAttribute("data-position");
    var form = sec.querySelector("form");
    var timer = null;
    function changed() {
      var response = responseOf(sec);
      if (!instant) {
        enqueue(position, "a", response);
        markNav(position, isAnswered(response), null);
      }
    }
    sec.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "flagged") {
        enqueue(position, "f", target.checked);
        markNav(position, null, target.checked);
      } else if (target.name === "response") {
        window.clearTimeout(timer);
        changed();
      }
    });
    sec.addEventListener("input", function (event) {
      if ((event.target.type !== "text" && event.target.type !== "textarea") || instant) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(changed, 800);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var go = event.submitter ? event.submitter.value : "next";
      var here = parseInt(position, 10);
      if (go === "stay") {
        var response = responseOf(sec);
        if (isAnswered(response)) enqueue(position, "a", response);
        return;
      }
      if (go === "prev") show(here - 1);
      else if (go === "finish") finish();
      else show(here + 1);
    });
  });

  // --- the countdown -------------------------------------------------------------------------------
  function format(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }
  var timedOut = false;
  function tick() {
    if (deadline === null || !countdownTime) return;
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdownTime.textContent = format(left);
    if (countdown) countdown.classList.toggle("is-low", left <= 60);
    if (left === 0 && !timedOut) {
      timedOut = true;
      showStatus(msg("timeup"), "queued");
      submitWhenSent(Date.now());
    }
  }
  function submitWhenSent(since) {
    // Send what is queued first (the server accepts it within its grace), then submit.
    if (pendingCount() > 0 && Date.now() - since < 20000) {
      flush();
      window.setTimeout(function () { submitWhenSent(since); }, 500);
      return;
    }
    if (navigator.onLine === false) {
      window.addEventListener("online", function () { submitWhenSent(Date.now()); }, { once: true });
      return;
    }
    var form = document.getElementById("timeout-form");
    if (form) form.submit();
  }

  // --- start -------------------------------------------------------------------------------------------
  (function restore() {
    var state = load();
    Object.keys(state.pending).forEach(function (key) {
      var entry = state.pending[key];
      var sec = section(entry.position);
      if (!sec) { delete state.pending[key]; return; }
      if (entry.kind === "a") {
        if (entry.seq <= (parseInt(sec.getAttribute("data-seq"), 10) || 0)) { delete state.pending[key]; return; }
        setResponse(sec, entry.value);
        markNav(entry.position, isAnswered(entry.value), null);
      } else {
        var box = sec.querySelector('[name="flagged"]');
        if (box) box.checked = !!entry.value;
        markNav(entry.position, null, !!entry.value);
      }
    });
    store();
  })();
  window.addEventListener("online", function () {
    backoff = 1000;
    window.clearTimeout(retryTimer);
    retryTimer = null;
    flush();
  });
  window.addEventListener("offline", function () { if (pendingCount()) showQueued(); });
  window.studyhubAttempt = { pending: pendingCount, flush: flush };
  if (pendingCount()) flush();
  tick();
  window.setInterval(tick, 1000);
})();
