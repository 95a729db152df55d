// Okno agent UI (no inline scripts: the CSP forbids them).
//
// Shared by every agent page:
//   window.Okno.shortcut(key, description, handler)  register a keyboard shortcut
//   window.Okno.t(name, fallback)                      a translated UI string
// Other screens add their own okno/<area>.js and call these.
(function () {
  "use strict";

  var Okno = (window.Okno = window.Okno || {});

  // --- translated strings (rendered by base.html into data attributes) ---------
  Okno.t = function (name, fallback) {
    var holder = document.getElementById("okno-i18n");
    var value = holder && holder.dataset[name];
    return value || fallback || name;
  };

  // --- keyboard shortcuts --------------------------------------------------------
  var shortcuts = [];

  // Register `handler(event)` for `key` (a KeyboardEvent.key value: "j", "?", "Enter").
  // Shortcuts never fire while typing in a field, and later registrations win.
  Okno.shortcut = function (key, description, handler) {
    shortcuts.unshift({ key: key, description: description, handler: handler });
  };

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
    if (tag !== "input") return false;
    var type = (target.type || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) === -1;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    // Enter on a link or button already does what it should.
    if (event.key === "Enter" && event.target.closest && event.target.closest("a, button")) return;
    for (var i = 0; i < shortcuts.length; i++) {
      if (shortcuts[i].key === event.key) {
        if (shortcuts[i].handler(event) !== false) event.preventDefault();
        return;
      }
    }
  });

  function keyLabel(key) {
    return key === " " ? "Space" : key;
  }

  var helpDialog = null;
  Okno.showShortcuts = function () {
    if (helpDialog) helpDialog.remove();
    helpDialog = document.createElement("dialog");
    helpDialog.className = "shortcut-help";
    var title = document.createElement("h2");
    title.textContent = Okno.t("shortcuts", "Keyboard shortcuts");
    helpDialog.appendChild(title);
    var table = document.createElement("table");
    var seen = {};
    shortcuts
      .slice()
      .reverse()
      .forEach(function (s) {
        if (seen[s.key] || !s.description) return;
        seen[s.key] = true;
        var row = table.insertRow();
        var kbd = document.createElement("kbd");
        kbd.textContent = keyLabel(s.key);
        row.insertCell().appendChild(kbd);
        row.insertCell().textContent = s.description;
      });
    helpDialog.appendChild(table);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn";
    close.textContent = Okno.t("close", "Close");
    close.addEventListener("click", function () {
      helpDialog.close();
    });
    helpDialog.appendChild(close);
    document.body.appendChild(helpDialog);
    if (helpDialog.showModal) helpDialog.showModal();
    else helpDialog.setAttribute("open", "");
  };

  Okno.shortcut("?", Okno.t("help", "Show keyboard shortcuts"), Okno.showShortcuts);
  Okno.shortcut("/", Okno.t("focusSearch", "Focus the search box"), function () {
    var search = document.querySelector("[data-search-input]");
    if (!search) return false;
    search.focus();
    search.select();
  });

  // --- the ticket list: current row, selection ------------------------------------
  function rows() {
    return Array.prototype.slice.call(
      document.querySelectorAll("[data-ticket-list] tbody tr[data-ticket]")
    );
  }
  var currentNumber = null;

  function setCurrent(row) {
    rows().forEach(function (r) {
      r.classList.toggle("is-current", r === row);
    });
    if (!row) return;
    currentNumber = row.dataset.ticket;
    row.scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    return document.querySelector("[data-ticket-list] tr.is-current");
  }

  function move(step) {
    var all = rows();
    if (!all.length) return false;
    var index = all.indexOf(currentRow());
    index = index === -1 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    setCurrent(all[index]);
  }

  function openCurrent() {
    var row = currentRow();
    var link = row && row.querySelector("a[data-open]");
    if (!link) return false;
    window.location.assign(link.href);
  }

  Okno.shortcut("j", Okno.t("next", "Next ticket"), function () {
    return move(1);
  });
  Okno.shortcut("k", Okno.t("prev", "Previous ticket"), function () {
    return move(-1);
  });
  Okno.shortcut("o", Okno.t("open", "Open the ticket"), openCurrent);
  Okno.shortcut("Enter", Okno.t("open", "Open the ticket"), openCurrent);
  Okno.shortcut("x", Okno.t("select", "Check the ticket"), function () {
    var row = currentRow();
    var box = row && row.querySelector("input[type=checkbox]");
    if (!box) return false;
    box.checked = !box.checked;
    updateSelection();
  });

  function checkedBoxes() {
    return document.querySelectorAll("[data-ticket-list] tbody input[name=tickets]:checked");
  }

  function updateSelection() {
    var count = checkedBoxes().length;
    rows().forEach(function (r) {
      var box = r.querySelector("input[name=tickets]");
      r.classList.toggle("is-selected", !!(box && box.checked));
    });
    document.body.classList.toggle("has-selection", count > 0);
    var label = document.querySelector("[data-bulk-count]");
    if (label) {
      if (!label.dataset.empty) label.dataset.empty = label.textContent;
      label.textContent = count
        ? label.dataset.template.replace("{n}", count)
        : label.dataset.empty;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-check-all]")) {
      document
        .querySelectorAll("[data-ticket-list] tbody input[name=tickets]")
        .forEach(function (box) {
          box.checked = target.checked;
        });
    }
    if (target.matches("[data-check-all], input[name=tickets]")) updateSelection();
    if (target.matches("[data-autosubmit]") && target.form) target.form.requestSubmit();
  });

  // Enter in a bulk field applies that field's action, not the form's first button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.closest) return;
    var group = event.target.closest("[data-bulk-group]");
    var button = group && group.querySelector("button[type=submit]");
    if (button && event.target.tagName.toLowerCase() === "input") {
      event.preventDefault();
      button.click();
    }
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("[data-ticket-list] tr[data-ticket]");
    if (row) setCurrent(row);
    if (event.target.closest && event.target.closest("[data-shortcut-help]")) Okno.showShortcuts();
    var toggle = event.target.closest && event.target.closest("[data-toggle-sidebar]");
    if (toggle) {
      var open = document.body.classList.toggle("sidebar-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    } else if (
      document.body.classList.contains("sidebar-open") &&
      !(event.target.closest && event.target.closest("[data-sidebar]"))
    ) {
      document.body.classList.remove("sidebar-open");
    }
  });

  // --- live updates over a WebSocket ----------------------------------------------------
  // The server pushes only ticket numbers; the list is re-fetched through the normal,
  // permission-checked view. While the agent is busy with the list (rows checked,
  // more pages loaded, a field focused) a bar offers the refresh instead.
  var changed = {};
  var extraPages = false;
  var refreshTimer = null;

  function results() {
    return document.getElementById("results");
  }

  function busy() {
    if (checkedBoxes().length || extraPages) return true;
    var active = document.activeElement;
    return !!(active && active.closest && active.closest("#results, [data-bulk-form]") && isTyping(active));
  }

  function refreshList() {
    var list = results();
    if (!list || !window.htmx) return;
    changed = {};
    var bar = document.querySelector("[data-live-bar]");
    if (bar) bar.hidden = true;
    window.htmx.ajax("GET", list.dataset.listUrl, { target: "#results", swap: "outerHTML" });
  }

  function showBar() {
    var bar = document.querySelector("[data-live-bar]");
    if (!bar) return;
    var count = Object.keys(changed).length;
    var template = count === 1 ? bar.dataset.templateOne : bar.dataset.template;
    bar.querySelector("[data-live-refresh]").textContent = template.replace("{n}", count);
    bar.hidden = false;
  }

  function onTicketChanged(number) {
    changed[number] = true;
    if (busy()) {
      showBar();
      return;
    }
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshList, 800);
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-live-refresh]")) {
      extraPages = false;
      refreshList();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.classList && target.classList.contains("more-row")) extraPages = true;
    // Keep the keyboard position across a refresh.
    if (currentNumber) {
      var row = document.querySelector('[data-ticket-list] tr[data-ticket="' + currentNumber + '"]');
      if (row) row.classList.add("is-current");
    }
    updateSelection();
  });

  function connectLive() {
    if (!results() || !window.WebSocket) return;
    var delay = 1000;
    function open() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + "/ws/tickets/");
      socket.addEventListener("open", function () {
        delay = 1000;
      });
      socket.addEventListener("message", function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (data && data.type === "ticket.changed") onTicketChanged(data.ticket);
      });
      socket.addEventListener("close", function () {
        // Exponential backoff with jitter, so a restarted server is not stampeded.
        setTimeout(open, delay + Math.random() * delay * 0.3);
        delay = Math.min(delay * 2, 30000);
      });
    }
    open();
  }

  Okno.refreshList = refreshList;

  function hideUselessMenu() {
    // The ☰ button opens the sidebar; pages without one do not need it.
    if (document.querySelector("[data-sidebar]")) return;
    document.querySelectorAll("[data-toggle-sidebar]").forEach(function (b) {
      b.hidden = true;
    });
  }
  hideUselessMenu();

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connectLive);
  } else {
    connectLive();
  }
})();
