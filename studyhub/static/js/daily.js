// The daily quiz: a single-choice or true/false question is answered with one tap.
// Without JavaScript the form's button still checks the answer.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("#answer-form[data-one-tap]");
    if (!form) return;
    var button = form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    var hint = form.querySelector(".one-tap-hint");
    if (hint) hint.hidden = false;
    var sent = false;
    form.addEventListener("change", function (event) {
      if (sent || !event.target.matches("input[type=radio]")) return;
      sent = true;
      form.classList.add("is-sending");
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  });
})();
