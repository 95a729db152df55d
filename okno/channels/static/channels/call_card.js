// Incoming-call cards: the telephony connector pushes {"type": "call", ...} to the
// agent's own group "user-<id>" (/ws/notifications/); the card itself is fetched from
// the permission-checked view named in the message. No inline scripts (CSP).
(function () {
  "use strict";

  var box = document.getElementById("call-cards");
  if (!box || !window.WebSocket || !window.fetch) return;
  var delay = 1000;

  function cardFor(callId) {
    var cards = box.querySelectorAll(".call-card");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].dataset.call === callId) return cards[i];
    }
    return null;
  }

  function show(data) {
    var card = cardFor(data.call_id);
    if (!card) {
      card = document.createElement("section");
      card.className = "call-card";
      card.dataset.call = data.call_id;
      card.setAttribute("role", "status");
      box.appendChild(card);
    }
    var url = data.card_url + "?" + new URLSearchParams({
      direction: data.direction || "inbound",
      number: data.number || "",
    }).toString();
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (!html) return;
        var close = document.createElement("button");
        close.type = "button";
        close.className = "link call-card-close";
        close.textContent = box.dataset.textClose || "Close";
        close.addEventListener("click", function () {
          card.remove();
        });
        card.innerHTML = html; // server-rendered and escaped by the template
        card.insertBefore(close, card.firstChild);
      });
  }

  function over(data) {
    var card = cardFor(data.call_id);
    if (!card || card.classList.contains("ended")) return;
    card.classList.add("ended");
    var note = document.createElement("p");
    note.className = "call-card-state";
    note.textContent = box.dataset.textEnded || "Call ended";
    card.appendChild(note);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + box.dataset.callsWs);
    socket.onopen = function () {
      delay = 1000;
      box.dataset.connected = "1";
    };
    socket.onmessage = function (message) {
      var data;
      try {
        data = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (data.type === "call" && data.card_url && data.call_id) show(data);
      if (data.type === "call.over" && data.call_id) over(data);
    };
    socket.onclose = function () {
      box.dataset.connected = "";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 60000);
    };
  }

  connect();
})();
