// The ticket page's time panel: show how long the running timer has run.
// The start time comes from the server (data-time-started, ISO 8601), so a reload
// or another device shows the same timer; this only redraws the elapsed time.
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function tick() {
    var nodes = document.querySelectorAll("[data-time-started]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var started = Date.parse(node.getAttribute("data-time-started"));
      if (isNaN(started)) continue;
      var seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
      var out = node.querySelector("[data-time-elapsed]");
      if (!out) {
        out = document.createElement("span");
        out.setAttribute("data-time-elapsed", "");
        out.className = "time-elapsed";
        node.appendChild(document.createTextNode(" "));
        node.appendChild(out);
      }
      out.textContent =
        Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
    }
  }

  // One interval for the page: panels swapped in by htmx are found on the next tick.
  if (!window.oknoTimeTicker) {
    window.oknoTimeTicker = window.setInterval(tick, 1000);
    document.addEventListener("DOMContentLoaded", tick);
    document.addEventListener("htmx:afterSwap", tick);
  }
})();
