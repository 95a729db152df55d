// Macros and canned responses put their text into the reply editor for review.
(function () {
  "use strict";

  function insert(text) {
    var box = document.querySelector("#editor textarea");
    if (!box || !text) return;
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".template-results [data-insert]");
    if (button) insert(button.getAttribute("data-insert"));
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var result = event.target.closest && event.target.closest(".macro-result");
    if (!result) return;
    var note = result.querySelector("[data-insert]");
    if (note) insert(note.getAttribute("data-insert"));
  });
})();
