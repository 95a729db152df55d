// Ticket page: live presence and collision notices, fragment refreshes, the
// editor's keyboard shortcuts. Loaded as a static file (the CSP forbids inline JS).
(function () {
  "use strict";

  var HEARTBEAT_MS = 20000;
  var TYPING_THROTTLE_MS = 3000;
  var TYPING_IDLE_MS = 6000;
  var MAX_BACKOFF_MS = 30000;

  function $(selector) { return document.querySelector(selector); }

  function isTypingTarget(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // --- htmx: show 409 (version conflict) and 422 (invalid) answers, they carry the form.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // --- refreshing fragments --------------------------------------------------
  var refreshTimer = null;

  function refreshConversation() {
    var root = $("#ticket-live");
    if (!root || !window.htmx || !$("#conversation")) return;
    clearTimeout(refreshTimer);
    // Several signals (our own save, the WebSocket) often arrive together.
    refreshTimer = setTimeout(function () {
      window.htmx.ajax("GET", root.dataset.conversationUrl, { target: "#conversation", swap: "outerHTML" });
    }, 250);
  }

  function panelIsDirty() {
    var panel = $("#panel");
    return Boolean(panel && panel.dataset.dirty === "1");
  }

  function refreshPanel() {
    var root = $("#ticket-live");
    if (!root || !window.htmx || !$("#panel")) return;
    if (panelIsDirty()) {
      // Never overwrite what the agent is typing: tell them instead.
      var banner = $("#ticket-changed");
      if (banner) banner.hidden = false;
      return;
    }
    window.htmx.ajax("GET", root.dataset.panelUrl, { target: "#panel", swap: "outerHTML" });
  }

  document.addEventListener("okno:conversation-changed", refreshConversation);
  document.addEventListener("okno:panel-changed", refreshPanel);

  document.addEventListener("input", function (event) {
    var panel = event.target.closest && event.target.closest("#panel");
    if (panel) panel.dataset.dirty = "1";
  });
  document.addEventListener("change", function (event) {
    var panel = event.target.closest && event.target.closest("#panel");
    if (panel) panel.dataset.dirty = "1";
  });

  // Forms that ask before they act (delete).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  // --- presence over the WebSocket --------------------------------------------
  function joinNames(names, and) {
    if (names.length <= 1) return names.join("");
    return names.slice(0, -1).join(", ") + and + names[names.length - 1];
  }

  var lastPeople = [];
  var visitorTyping = false;
  var visitorTimer = null;

  function showVisitorTyping(root, typing) {
    visitorTyping = !!typing;
    clearTimeout(visitorTimer);
    // A visitor who leaves mid-word never says "stopped": forget it after a while.
    if (visitorTyping) visitorTimer = setTimeout(function () { showVisitorTyping(root, false); }, 8000);
    showPresence(root, lastPeople);
  }

  function showPresence(root, people) {
    var banner = $("#ticket-presence");
    if (!banner) return;
    lastPeople = people;
    var me = String(root.dataset.userId);
    var others = people.filter(function (p) { return String(p.id) !== me; });
    var typing = others.filter(function (p) { return p.typing; }).map(function (p) { return p.name; });
    var viewing = others.filter(function (p) { return !p.typing; }).map(function (p) { return p.name; });
    var lines = [];
    var and = root.dataset.textAnd || " and ";
    if (typing.length) lines.push(root.dataset.textTyping.replace("{names}", joinNames(typing, and)));
    if (viewing.length) lines.push(root.dataset.textViewing.replace("{names}", joinNames(viewing, and)));
    if (visitorTyping) lines.push(root.dataset.textVisitorTyping);
    banner.textContent = lines.join(" · ");
    banner.hidden = lines.length === 0;
  }

  function connect(root) {
    var socket = null;
    var backoff = 1000;
    var lastTyping = 0;
    var idleTimer = null;
    var heartbeat = null;

    function send(type) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: type }));
      }
    }

    function open() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + root.dataset.wsPath);
      socket.addEventListener("open", function () {
        backoff = 1000;
        clearInterval(heartbeat);
        heartbeat = setInterval(function () {
          send(Date.now() - lastTyping < TYPING_IDLE_MS ? "typing" : "heartbeat");
        }, HEARTBEAT_MS);
      });
      socket.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data.type === "presence") {
          showPresence(root, data.people || []);
        } else if (data.type === "visitor.typing") {
          showVisitorTyping(root, data.typing);
        } else if (data.type === "ticket.changed") {
          refreshConversation();
          refreshPanel();
        }
      });
      socket.addEventListener("close", function () {
        clearInterval(heartbeat);
        // Reconnect with backoff (with jitter, so a restart is not a stampede).
        setTimeout(open, backoff + Math.random() * 500);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      });
    }

    document.addEventListener("input", function (event) {
      if (!event.target.closest || !event.target.closest("#editor")) return;
      var now = Date.now();
      if (now - lastTyping > TYPING_THROTTLE_MS) send("typing");
      lastTyping = now;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(function () { send("idle"); }, TYPING_IDLE_MS);
    });

    open();
  }

  // --- keyboard -----------------------------------------------------------------
  function chooseMode(mode) {
    var radio = document.querySelector('#editor input[name="mode"][value="' + mode + '"]');
    if (!radio) return;
    radio.checked = true;
    var body = document.querySelector("#editor textarea");
    if (body) body.focus();
  }

  function focusStatus() {
    var select = document.querySelector('#panel select[name="status"]');
    if (select) select.focus();
  }

  function registerShortcuts(root) {
    var okno = window.Okno;
    var text = root.dataset;
    if (okno && typeof okno.shortcut === "function") {
      okno.shortcut("r", text.textShortcutReply || "Reply", function () { chooseMode("reply"); });
      okno.shortcut("n", text.textShortcutNote || "Internal note", function () { chooseMode("note"); });
      okno.shortcut("s", text.textShortcutStatus || "Change status", focusStatus);
      return;
    }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      var handlers = { r: function () { chooseMode("reply"); }, n: function () { chooseMode("note"); }, s: focusStatus };
      var handler = handlers[event.key];
      if (handler) { event.preventDefault(); handler(); }
    });
  }

  // Ctrl+Enter (Cmd+Enter) sends the editor from anywhere inside it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("#editor");
    if (!form) return;
    event.preventDefault();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var root = $("#ticket-live");
    if (!root) return;
    registerShortcuts(root);
    if (window.WebSocket && root.dataset.wsPath) connect(root);
  });
})();
