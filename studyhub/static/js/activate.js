/* The activation page: a slip's QR code carries the code in the URL's fragment
   (#K7QM3XPA), which browsers never send to the server. Put it into the code
   field and drop it from the address bar and history. Without this script the
   member types the code from the slip. */
(function () {
  "use strict";
  var code = decodeURIComponent((window.location.hash || "").replace(/^#/, ""));
  if (!code) return;
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("#activate input[name=code]");
    if (input && !input.value && /^[0-9A-Za-z-]{4,16}$/.test(code)) input.value = code;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    var next = document.querySelector("#activate input[name=new]");
    if (next && input && input.value) next.focus();
  });
})();
