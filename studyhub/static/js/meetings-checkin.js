/* The check-in code on the secretary's screen: fetch a fresh code (its token changes
   every minute) and the count so far every half minute. Without this script the
   full-screen page reloads itself instead (a meta refresh). */
(function () {
  "use strict";
  var box = document.getElementById("checkin-qr");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-code-url");
  var every = (parseInt(box.getAttribute("data-refresh"), 10) || 30) * 1000;
  var code = document.getElementById("qr-code");

  function setCount(name, value) {
    var nodes = document.querySelectorAll("[data-count='" + name + "']");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = String(value);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 409) { window.location.reload(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || !data.open) return;
        code.innerHTML = data.svg;
        box.setAttribute("data-checkin-url", data.url);
        setCount("attended", data.attended);
        setCount("expected", data.expected);
      })
      .catch(function () { /* the next round tries again */ });
  }

  window.setInterval(refresh, every);
})();
