/* The ticket page's SLA countdown: every 30 s, each running target (data-due, and
   data-warn for "at risk") gets its time left or how late, and its state. Texts
   come from the card's data-* attributes (translated on the server). */
(function () {
  "use strict";
  var PERIOD = 30000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) {
      return key in values ? String(values[key]) : "";
    });
  }

  function duration(card, minutes) {
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    if (d) return fill(card.dataset.unitDay, { d: d, h: h });
    if (h) return fill(card.dataset.unitHour, { h: h, m: m < 10 ? "0" + m : m });
    return fill(card.dataset.unitMin, { m: m });
  }

  function stateAt(item, now) {
    var due = Date.parse(item.dataset.due);
    var warn = item.dataset.warn ? Date.parse(item.dataset.warn) : NaN;
    if (now >= due) return "breached";
    if (!isNaN(warn) && now >= warn) return "at_risk";
    return item.dataset.state === "at_risk" ? "at_risk" : "on_track";
  }

  function tick(card) {
    var now = Date.now();
    card.querySelectorAll("[data-sla-target][data-due]").forEach(function (item) {
      var due = Date.parse(item.dataset.due);
      if (isNaN(due)) return;
      var state = stateAt(item, now);
      var left = due - now;
      var text = left > 0
        ? fill(card.dataset.textLeft, { time: duration(card, Math.ceil(left / 60000)) })
        : fill(card.dataset.textLate, { time: duration(card, Math.max(1, Math.ceil(-left / 60000))) });
      var countdown = item.querySelector(".sla-countdown");
      if (countdown) countdown.textContent = text;
      if (state !== item.dataset.state) {
        item.classList.remove("sla-" + item.dataset.state);
        item.classList.add("sla-" + state);
        item.dataset.state = state;
        var label = item.querySelector(".sla-state");
        var name = card.getAttribute("data-label-" + state);
        if (label && name) label.textContent = name;
      }
    });
  }

  function start() {
    document.querySelectorAll("[data-sla-card]").forEach(function (card) {
      tick(card);
      window.setInterval(function () { tick(card); }, PERIOD);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
