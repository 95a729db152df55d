// Okno knowledge base, agent side (no inline scripts: the CSP forbids them).
//  - Ticket page: "insert link" / "insert text" put an article into the reply editor.
//  - Editor: htmx posts the Markdown for a preview (declared in the template);
//    images are uploaded from a file button, a drop or a paste (below).
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

  // Editor: images chosen with the button, dropped on or pasted into the text go to
  // the upload URL one by one; the answer's Markdown is inserted at the cursor.
  function uploadImages(box, files) {
    var area = document.getElementById(box.dataset.kbTarget);
    var status = box.querySelector(".kb-upload-status");
    var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
    Array.prototype.forEach.call(files, function (file) {
      var data = new FormData();
      data.append("file", file);
      status.textContent = box.dataset.kbUploading;
      fetch(box.dataset.kbUpload, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": tokenInput ? tokenInput.value : "" },
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (answer) {
          if (answer.ok) {
            insertAtCursor(area, answer.body.markdown + "\n");
            status.textContent = box.dataset.kbUploaded;
          } else {
            status.textContent = answer.body.error || box.dataset.kbFailed;
          }
        })
        .catch(function () {
          status.textContent = box.dataset.kbFailed;
        });
    });
  }

  function hasFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  function setUpUpload(box) {
    var area = document.getElementById(box.dataset.kbTarget);
    var input = box.querySelector("[data-kb-upload-input]");
    if (!area || !input) return;
    input.addEventListener("change", function () {
      uploadImages(box, input.files);
      input.value = "";
    });
    area.addEventListener("dragover", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      area.classList.add("kb-drop-target");
    });
    area.addEventListener("dragleave", function () {
      area.classList.remove("kb-drop-target");
    });
    area.addEventListener("drop", function (event) {
      area.classList.remove("kb-drop-target");
      if (!hasFiles(event)) return;
      event.preventDefault();
      uploadImages(box, event.dataTransfer.files);
    });
    area.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (!files || !files.length) return;
      event.preventDefault();
      uploadImages(box, files);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-kb-upload]").forEach(setUpUpload);
  });

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
