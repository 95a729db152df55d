// Okno help center suggestions next to the portal request form.
// While the customer types the subject and text, ask /help/suggest/ (debounced) for
// matching articles and show the returned fragment (server-rendered, escaped HTML).
// Progressive only: the form works the same without this file.
(function () {
  "use strict";
  var DELAY = 500;
  var MIN_CHARS = 4;

  function setup(box) {
    var form = box.closest("form") || document;
    var subject = form.querySelector("[name=subject]");
    var text = form.querySelector("[name=text]");
    if (!subject && !text) return;
    var timer = null;
    var last = "";
    var pending = null;

    function ask() {
      var s = subject ? subject.value.trim() : "";
      var t = text ? text.value.trim() : "";
      var key = s + "\n" + t;
      if (key === last) return;
      last = key;
      if ((s + t).length < MIN_CHARS) {
        box.textContent = "";
        return;
      }
      var params = new URLSearchParams({ subject: s, text: t.slice(0, 1000) });
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(box.dataset.url + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
        signal: pending.signal,
      })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          // The fragment comes from our own server and escapes everything it quotes.
          box.innerHTML = html;
        })
        .catch(function () {});
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
    }
    [subject, text].forEach(function (field) {
      if (field) field.addEventListener("input", schedule);
    });
  }

  function init() {
    document.querySelectorAll("[data-kb-suggest]").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
