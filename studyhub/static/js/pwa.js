// Registers the service worker (offline reading) where the browser has one.
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* offline reading is a bonus */ });
    });
  }
})();
