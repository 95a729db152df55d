/* Okno live chat widget. Embed with:
 *   <script src="https://help.example.com/chat/widget.js" data-okno-chat="KEY" async></script>
 * Plain JS, no framework; its own styles in a Shadow DOM. Talks to Okno over a
 * WebSocket and falls back to HTTP polling when sockets fail. Visitor text is only
 * ever set as textContent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__oknoChat) return;
  window.__oknoChat = true;
  var key = script.getAttribute("data-okno-chat");
  var base = script.src.replace(/\/chat\/widget\.js.*$/, "");
  var api = base + "/chat/" + encodeURIComponent(key) + "/";
  var lang = (document.documentElement.lang || navigator.language || "en").slice(0, 2).toLowerCase();
  var storeKey = "okno-chat:" + key;
  var POLL_MS = 3000, PING_MS = 25000, ACK_MS = 8000, TYPING_MS = 3000, IDLE_MS = 5000;

  var S = { token: null, t: {}, options: {}, online: true, last: 0, ws: null, wsFails: 0,
    pending: {}, shown: {}, first: 0, pollTimer: null, lastTyping: 0, idle: null, profile: {} };
  try { S.token = localStorage.getItem(storeKey); S.profile = JSON.parse(localStorage.getItem(storeKey + ":me") || "{}"); } catch (e) { /* private mode */ }

  function post(endpoint, data) {
    return fetch(api + endpoint + "/", { method: "POST", mode: "cors", credentials: "omit",
      headers: { "Content-Type": "text/plain" }, body: JSON.stringify(data) })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }
  function uid() {
    var a = new Uint8Array(12); (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }

  // --- the UI ----------------------------------------------------------------
  var host = el("div", { "data-okno-chat-widget": "" });
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("link", { rel: "stylesheet", href: base + "/chat/widget.css" }));
  var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "okno-panel" });
  var panel = el("section", { id: "okno-panel", class: "panel", role: "dialog", "aria-modal": "false", hidden: "" });
  var head = el("header");
  var title = el("h2", { id: "okno-title" });
  var closer = el("button", { type: "button", class: "close" }, "×");
  head.append(title, closer);
  panel.setAttribute("aria-labelledby", "okno-title");
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", tabindex: "0" });
  var earlier = el("button", { type: "button", class: "earlier", hidden: "" });
  log.append(earlier);
  var typing = el("p", { class: "typing", "aria-live": "polite", hidden: "" });

  var compose = el("form", { class: "compose" });
  var who = el("div", { class: "who" });
  var nameIn = el("input", { type: "text", name: "name", maxlength: "200", autocomplete: "name" });
  var emailIn = el("input", { type: "email", name: "email", maxlength: "254", autocomplete: "email" });
  who.append(nameIn, emailIn);
  var text = el("textarea", { name: "text", rows: "2", maxlength: "5000" });
  var row = el("div", { class: "row" });
  var fileLabel = el("label", { class: "attach" });
  var fileIn = el("input", { type: "file", name: "file" });
  var fileText = el("span", { "aria-hidden": "true" });
  fileLabel.append(fileIn, fileText);
  var sendBtn = el("button", { type: "submit", class: "send" });
  row.append(fileLabel, sendBtn);
  compose.append(who, text, row);

  var offline = el("form", { class: "offline", hidden: "" });
  var offIntro = el("p");
  var offName = el("input", { type: "text", name: "name", maxlength: "200", autocomplete: "name" });
  var offEmail = el("input", { type: "email", name: "email", required: "", maxlength: "254", autocomplete: "email" });
  var offText = el("textarea", { name: "text", rows: "4", required: "", maxlength: "5000" });
  var offBtn = el("button", { type: "submit", class: "send" });
  var offDone = el("p", { class: "done", role: "status", tabindex: "-1" });
  offline.append(offIntro, offName, offEmail, offText, offBtn, offDone);

  panel.append(head, log, typing, compose, offline);
  root.append(launcher, panel);

  function label(input, textValue) {
    input.setAttribute("aria-label", textValue);
    input.setAttribute("placeholder", textValue);
  }
  function applyStrings() {
    var t = S.t;
    launcher.textContent = t.title || "Chat";
    launcher.setAttribute("aria-label", t.open || "Open the chat");
    title.textContent = S.options.title || t.title || "Chat";
    closer.setAttribute("aria-label", t.close || "Close");
    label(nameIn, t.name); label(emailIn, t.email); label(text, t.message);
    label(offName, t.name); label(offEmail, t.email); label(offText, t.message);
    fileText.textContent = t.attach; fileIn.setAttribute("aria-label", t.attach);
    sendBtn.textContent = t.send; offBtn.textContent = t.send;
    offIntro.textContent = t.offline_intro; typing.textContent = t.typing;
    earlier.textContent = t.earlier || "…";
    nameIn.hidden = !S.options.ask_name || !!S.profile.name;
    emailIn.hidden = !S.options.ask_email || !!S.profile.email;
    offName.hidden = !S.options.ask_name;
  }
  function showForms() {
    var off = !S.online && S.last === 0;
    offline.hidden = !off; compose.hidden = off;
    if (off) title.textContent = S.t.offline_title;
  }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) { (compose.hidden ? offText : text).focus(); if (!S.ws) schedulePoll(0); }
    else launcher.focus();
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  closer.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });

  // --- messages --------------------------------------------------------------
  function render(m, anchor) {  // anchor: an older page goes in before it
    if (S.shown[m.id]) return;
    S.shown[m.id] = true;
    if (m.id > S.last) S.last = m.id;
    if (m.id && (!S.first || m.id < S.first)) S.first = m.id;
    var node = m.cid && root.querySelector('[data-cid="' + m.cid.replace(/[^\w-]/g, "") + '"]');
    if (node) { node.classList.remove("pending", "failed"); delete S.pending[m.cid]; return; }
    node = el("div", { class: "msg " + m.from, "data-id": String(m.id) });
    node.append(el("span", { class: "name" }, m.from === "agent" ? (m.name || S.t.agent) : S.t.you));
    if (m.text) node.append(el("p", null, m.text));
    (m.files || []).forEach(function (f) {
      var a = el("a", { href: f.url, download: "", rel: "noopener", target: "_blank" }, "📎 " + f.name);
      node.append(a);
    });
    if (anchor !== undefined) return log.insertBefore(node, anchor);
    log.append(node);
    log.scrollTop = log.scrollHeight;
    if (m.from === "agent") showTyping(false);
    showForms();
  }
  function mine(cid, body, file) {
    var node = el("div", { class: "msg visitor pending", "data-cid": cid });
    node.append(el("span", { class: "name" }, S.t.you));
    node.append(el("p", null, file ? "📎 " + file : body));
    log.append(node);
    log.scrollTop = log.scrollHeight;
  }
  function showTyping(on) { typing.hidden = !on; }
  function updates(data) {
    (data.messages || []).forEach(function (m) { render(m); });
    if (data.more) earlier.hidden = false;
    if ("typing" in data) showTyping(!!data.typing);
    if ("online" in data) { S.online = data.online; showForms(); }
  }

  earlier.addEventListener("click", function () {
    post("poll", { token: S.token, before: S.first }).then(function (d) {
      var anchor = earlier.nextSibling;
      (d.messages || []).forEach(function (m) { render(m, anchor); });
      earlier.hidden = !d.more;
    }, function () {});
  });

  function profile() {
    var p = S.profile;
    if (nameIn.value.trim()) p.name = nameIn.value.trim();
    if (emailIn.value.trim()) p.email = emailIn.value.trim();
    try { localStorage.setItem(storeKey + ":me", JSON.stringify(p)); } catch (e) { /* ignore */ }
    return p;
  }

  function deliver(cid) {
    var m = S.pending[cid];
    if (!m) return;
    m.tries = (m.tries || 0) + 1;
    if (S.ws && S.ws.readyState === 1 && m.tries < 3) {
      S.ws.send(JSON.stringify(m.data));
      m.timer = setTimeout(function () { deliver(cid); }, ACK_MS);  // no ack: again, maybe over HTTP
      return;
    }
    post("send", Object.assign({ token: S.token }, m.data)).then(function () { acked(cid); }, function (status) {
      if (status === 400 || status === 401 || status === 413) return failed(cid);
      m.timer = setTimeout(function () { deliver(cid); }, Math.min(30000, 2000 * m.tries));
    });
  }
  function acked(cid) {
    var m = S.pending[cid];
    if (m) clearTimeout(m.timer);
    delete S.pending[cid];
    var node = root.querySelector('[data-cid="' + cid + '"]');
    if (node) node.classList.remove("pending");
  }
  function failed(cid) {
    acked(cid);
    var node = root.querySelector('[data-cid="' + cid + '"]');
    if (node) { node.classList.add("failed"); node.setAttribute("title", S.t.error); }
  }

  compose.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = text.value.trim();
    if (!body) return;
    var p = profile(), cid = uid();
    S.pending[cid] = { data: { type: "message", id: cid, text: body, name: p.name || "", email: p.email || "", lang: lang } };
    mine(cid, body);
    text.value = "";
    applyStrings();
    sendTyping(false);
    deliver(cid);
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); compose.requestSubmit(); }
  });
  text.addEventListener("input", function () {
    var now = Date.now();
    if (now - S.lastTyping > TYPING_MS) { S.lastTyping = now; sendTyping(true); }
    clearTimeout(S.idle);
    S.idle = setTimeout(function () { sendTyping(false); }, IDLE_MS);
  });
  function sendTyping(on) {
    if (!S.token) return;
    if (!on) { S.lastTyping = 0; clearTimeout(S.idle); }
    if (S.ws && S.ws.readyState === 1) S.ws.send(JSON.stringify({ type: "typing", typing: on }));
    else post("typing", { token: S.token, typing: on }).catch(function () {});
  }

  fileIn.addEventListener("change", function () {
    var file = fileIn.files && fileIn.files[0];
    if (!file) return;
    var cid = uid(), form = new FormData();
    form.append("token", S.token); form.append("id", cid); form.append("file", file);
    mine(cid, "", file.name);
    fetch(api + "upload/", { method: "POST", mode: "cors", credentials: "omit", body: form })
      .then(function (r) { if (r.ok) acked(cid); else failed(cid); }, function () { failed(cid); });
    fileIn.value = "";
  });

  offline.addEventListener("submit", function (e) {
    e.preventDefault();
    post("offline", { id: uid(), name: offName.value.trim(), email: offEmail.value.trim(),
      text: offText.value.trim(), lang: lang }).then(function () {
      offDone.textContent = S.t.offline_sent;
      [offName, offEmail, offText, offBtn].forEach(function (n) { n.disabled = true; });
      offDone.focus();  // the focused button is now disabled: keep the focus in the panel
    }, function () { offDone.textContent = S.t.error; });
  });

  // --- transport -------------------------------------------------------------
  function schedulePoll(delay) {
    clearTimeout(S.pollTimer);
    S.pollTimer = setTimeout(poll, delay == null ? POLL_MS : delay);
  }
  function poll() {
    if (S.ws && S.ws.readyState === 1) return;
    if (panel.hidden && S.last === 0) return schedulePoll(POLL_MS * 5);
    post("poll", { token: S.token, after: S.last }).then(updates, function () {}).then(function () { schedulePoll(); });
  }
  function connect() {
    var ws;
    try { ws = new WebSocket(base.replace(/^http/, "ws") + "/ws/chat/" + encodeURIComponent(S.token) + "/"); }
    catch (e) { S.wsFails = 99; return schedulePoll(0); }
    var pinger = null;
    ws.onopen = function () {
      S.ws = ws; S.wsFails = 0; clearTimeout(S.pollTimer);
      ws.send(JSON.stringify({ type: "sync", after: S.last }));
      Object.keys(S.pending).forEach(deliver);
      pinger = setInterval(function () { ws.send('{"type":"ping"}'); }, PING_MS);
    };
    ws.onmessage = function (e) {
      var d; try { d = JSON.parse(e.data); } catch (x) { return; }
      if (d.type === "ack") acked(d.id);
      else if (d.type === "error") failed(d.id);
      else if (d.type === "message") render(d.message);
      else if (d.type === "typing") showTyping(d.typing);
      else if (d.type === "sync") updates(d);
    };
    ws.onclose = function () {
      clearInterval(pinger);
      if (S.ws === ws) S.ws = null;
      S.wsFails += 1;
      schedulePoll(0);  // keep up over HTTP while the socket is away
      setTimeout(connect, Math.min(60000, 1000 * Math.pow(2, S.wsFails)) + Math.random() * 500);
    };
  }

  function start() {
    post("start", { token: S.token, lang: lang }).then(function (d) {
      S.token = d.token; S.t = d.strings; S.options = d.options;
      try { localStorage.setItem(storeKey, d.token); } catch (e) { /* ignore */ }
      applyStrings();
      updates(d);
      if (!S.last && S.options.greeting !== undefined) render({ id: 0, from: "agent", text: S.options.greeting || S.t.greeting });
      (document.body || document.documentElement).appendChild(host);
      if (window.WebSocket) connect(); else schedulePoll(0);
    }, function () { /* the site is not allowed, or Okno is down: show nothing */ });
  }
  start();
})();
