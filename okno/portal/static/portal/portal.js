// Okno customer portal. Progressive only: every page works without this file.
(function () {
  "use strict";
  // A second click while the first submit is on its way would send the form twice;
  // the server already makes one ticket of it, this just spares the round trip.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
})();
// Coming back with the Back button restores the page from cache: let it submit again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-sent]").forEach(function (form) {
    delete form.dataset.sent;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });
});
