/* The reading page: count the seconds the page is visible, report them in small
   beacons (every 15 s, at the end of the text, when the page is hidden), and
   enable "已学习" once the minimum time is reached. The server clamps every beacon
   to the time that really passed; without this script the button still works. */
(function () {
  "use strict";
  var article = document.getElementById("reading");
  if (!article || !window.fetch || !window.URLSearchParams) return;

  var url = article.getAttribute("data-progress-url");
  var token = article.getAttribute("data-csrf");
  var remaining = parseInt(article.getAttribute("data-remaining"), 10) || 0;
  var studied = article.getAttribute("data-studied") === "1";
  var form = document.getElementById("studied-form");
  var button = document.getElementById("studied-button");
  var countdown = document.getElementById("countdown");
  var counter = document.getElementById("countdown-seconds");
  var note = document.getElementById("studied-note");
  var end = document.getElementById("reading-end");
  var next = document.getElementById("next-steps"); // "next: 每日答题", shown once studied

  var pending = 0; // visible seconds the server has not acknowledged yet
  // Seconds read offline are kept here until they reach the server (see pwa.js).
  var KEPT = "studyhub:pending:" + url;
  var reachedEnd = false;
  var busy = false;
  var lastTick = Date.now();
  var lastSend = 0;
  var EVERY = 15000;

  function show() {
    if (studied) {
      if (form) form.hidden = true;
      if (note) note.hidden = false;
      if (next && next.hidden) {
        next.hidden = false;
        next.scrollIntoView({ block: "nearest" });
      }
      return;
    }
    if (counter) counter.textContent = String(Math.max(0, Math.ceil(remaining)));
    if (countdown) countdown.hidden = remaining <= 0;
    if (button) button.disabled = remaining > 0;
  }

  function body(seconds) {
    var data = new URLSearchParams();
    data.set("csrf_token", token);
    data.set("seconds", String(seconds));
    data.set("reached_end", reachedEnd ? "1" : "0");
    return data;
  }

  function send() {
    if (studied || busy) return;
    var seconds = Math.floor(pending);
    busy = true;
    lastSend = Date.now();
    fetch(url, {
      method: "POST",
      body: body(seconds),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        pending = Math.max(0, pending - seconds);
        keep(0);
        studied = !!data.studied;
        remaining = Math.max(0, data.remaining - pending);
        show();
      })
      .catch(function () {
        /* A flaky network or offline: keep the seconds and send them with the next beacon
           (or, should the page close first, from the next page opened online). */
        keep(Math.floor(pending));
      })
      .then(function () {
        busy = false;
      });
  }

  function keep(seconds) {
    try {
      if (seconds > 0 && !studied) {
        localStorage.setItem(KEPT, JSON.stringify({ seconds: seconds, token: token, reachedEnd: reachedEnd }));
      } else {
        localStorage.removeItem(KEPT);
      }
    } catch (e) { /* no storage: the seconds of this page only */ }
  }

  function sendOnLeave() {
    var seconds = Math.floor(pending);
    if (studied || seconds <= 0) return;
    if (!navigator.onLine || !navigator.sendBeacon) { keep(seconds); return; }
    if (navigator.sendBeacon(url, body(seconds))) pending -= seconds;
  }

  // An audio-visual reading: only the seconds its media plays (page visible) count.
  var media = document.getElementById("reading-media");
  if (media) media.addEventListener("ended", function () { reachedEnd = true; send(); });

  function tick() {
    var now = Date.now();
    var visible = document.visibilityState !== "hidden" && (!media || (!media.paused && !media.ended));
    if (visible) {
      // A sleeping phone may pause timers: never count more than a few seconds per tick.
      var dt = Math.min(3, Math.max(0, (now - lastTick) / 1000));
      pending += dt;
      remaining -= dt;
    }
    lastTick = now;
    show();
    if (studied || !visible) return;
    var due = reachedEnd && remaining <= 0;
    if (now - lastSend >= EVERY || (due && now - lastSend >= 2000)) send();
  }

  if (end && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries, observer) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        reachedEnd = true;
        observer.disconnect();
        send();
      }
    }).observe(end);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") sendOnLeave();
    lastTick = Date.now();
  });
  window.addEventListener("pagehide", sendOnLeave);
  window.addEventListener("online", function () { send(); });
  try {
    // Seconds this reading kept offline earlier (a reload without a connection).
    var kept = JSON.parse(localStorage.getItem(KEPT) || "null");
    if (kept && kept.seconds > 0) {
      pending += kept.seconds;
      remaining -= kept.seconds;
      reachedEnd = reachedEnd || !!kept.reachedEnd;
    }
  } catch (e) { /* no storage */ }
  lastSend = Date.now();
  show();
  setInterval(tick, 1000);
})();
