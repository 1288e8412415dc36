// The question form shows only the fields of the chosen type. Without this script every
// fieldset stays visible, each labelled with the types it is for, and the server reads
// only the chosen type's answer.
(function () {
  "use strict";
  var form = document.getElementById("question-form");
  if (!form) return;
  var radios = form.querySelectorAll('input[name="qtype"]');
  var parts = form.querySelectorAll("[data-qtypes]");

  function show() {
    var chosen = form.querySelector('input[name="qtype"]:checked');
    var qtype = chosen ? chosen.value : "single";
    parts.forEach(function (part) {
      part.hidden = part.getAttribute("data-qtypes").split(" ").indexOf(qtype) === -1;
    });
  }

  radios.forEach(function (radio) { radio.addEventListener("change", show); });
  show();
})();
