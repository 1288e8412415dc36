// Registers the service worker (offline reading) and sends reading time kept while offline.
(function () {
  "use strict";
  var PENDING = "studyhub:pending:";

  // Reading seconds a reading page could not send (offline) and kept: send them now.
  // The reading page on screen sends its own (reading.js); the server clamps each to the
  // time that really passed, as for any beacon.
  function flushPending() {
    if (!window.localStorage || !window.fetch || !navigator.onLine) return;
    var article = document.getElementById("reading");
    var own = article ? PENDING + article.getAttribute("data-progress-url") : null;
    Object.keys(localStorage).forEach(function (key) {
      if (key.indexOf(PENDING) !== 0 || key === own) return;
      var saved;
      try { saved = JSON.parse(localStorage.getItem(key)); } catch (e) { saved = null; }
      if (!saved || !saved.seconds || !saved.token) { localStorage.removeItem(key); return; }
      var data = new URLSearchParams();
      data.set("csrf_token", saved.token);
      data.set("seconds", String(saved.seconds));
      data.set("reached_end", saved.reachedEnd ? "1" : "0");
      fetch(key.slice(PENDING.length), {
        method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (response) {
        // Sent, or refused for good (an old token, a reading no longer there): forget it.
        if (response.ok || response.status === 400 || response.status === 404) localStorage.removeItem(key);
      }).catch(function () { /* still offline: next time */ });
    });
  }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").then(function (registration) {
        // No login on this page (e.g. after logging out): the kept pages are personal.
        var anonymous = !document.querySelector(".tabbar");
        if (anonymous && navigator.onLine && location.pathname !== "/offline") {
          var worker = registration.active || navigator.serviceWorker.controller;
          if (worker) worker.postMessage({ type: "forget-pages" });
        }
      }).catch(function () { /* offline reading is a bonus */ });
    });
  }
  window.addEventListener("load", flushPending);
  window.addEventListener("online", flushPending);
})();
