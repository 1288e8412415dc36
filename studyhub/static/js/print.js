/* A "Print" button (data-print) opens the browser's print dialog. Kept out of the
   page: the Content-Security-Policy allows no inline script or onclick. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) window.print();
  });
})();
