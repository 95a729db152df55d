// Okno knowledge base, agent side (no inline scripts: the CSP forbids them).
//  - Ticket page: "insert link" / "insert text" put an article into the reply editor.
//  - Editor: htmx posts the Markdown for a preview (declared in the template).
(function () {
  "use strict";

  function insertAtCursor(area, text) {
    var start = area.selectionStart != null ? area.selectionStart : area.value.length;
    var end = area.selectionEnd != null ? area.selectionEnd : area.value.length;
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    area.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    area.focus();
    area.setSelectionRange(caret, caret);
    // Let the ticket page's own scripts (typing indicator, drafts) notice the change.
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-kb-insert]");
    if (!button) return;
    event.preventDefault();
    var card = button.closest("[data-kb-target]");
    var area = document.getElementById((card && card.dataset.kbTarget) || "id_body");
    if (!area) return;
    // An attribute value is plain text (the template escaped it), never HTML.
    insertAtCursor(area, (button.dataset.kbInsert || "").trim());
    var done = button.parentNode.querySelector(".kb-insert-done");
    if (done) done.hidden = false;
  });
})();
