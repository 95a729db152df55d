// The top bar's bell: keeps the unread count live over /ws/notifications/
// (each person's own Channels group "user-<id>"). No inline scripts (CSP).
(function () {
  "use strict";

  var bell = document.querySelector("[data-notifications-ws]");
  if (!bell || !window.WebSocket) return;
  var count = bell.querySelector("[data-notifications-count]");
  var delay = 1000;

  function show(unread) {
    if (!count) return;
    count.textContent = String(unread);
    count.hidden = !unread;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + bell.dataset.notificationsWs);
    socket.onopen = function () {
      delay = 1000;
    };
    socket.onmessage = function (message) {
      var data;
      try {
        data = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (typeof data.unread === "number") show(data.unread);
      if (data.type === "notification" && data.text) bell.title = data.text;
    };
    socket.onclose = function () {
      // Reconnect with backoff (server restarts, laptop sleep).
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 60000);
    };
  }

  connect();
})();
