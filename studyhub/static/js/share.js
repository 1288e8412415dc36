// Share page: copy a link (Clipboard API, else select the text for the member to copy)
// and, where the browser has it, the system share sheet (Web Share API).
(function () {
  "use strict";
  function status(box, text) {
    var out = box.querySelector(".share-status");
    if (out) { out.textContent = text; }
  }
  function selectField(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
  }
  document.querySelectorAll("[data-share]").forEach(function (box) {
    var field = box.querySelector("input[readonly]");
    var copy = box.querySelector(".copy-link");
    var share = box.querySelector(".share-link");
    if (!field) { return; }
    field.addEventListener("focus", function () { selectField(field); });
    field.addEventListener("click", function () { selectField(field); });
    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var done = function () { status(box, copy.dataset.copied); };
        var fallback = function () {
          selectField(field);
          var ok = false;
          try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
          status(box, ok ? copy.dataset.copied : copy.dataset.selected);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done, fallback);
        } else {
          fallback();
        }
      });
    }
    if (share && navigator.share) {
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ title: share.dataset.title, text: share.dataset.title, url: field.value })
          .catch(function () { /* the member closed the share sheet */ });
      });
    }
  });
})();
