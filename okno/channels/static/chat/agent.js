// Agent pages: keep this agent "online" for the site chat widget, so visitors get
// the chat rather than the offline form (okno/channels/messengers/chat_consumers.py).
(function () {
  "use strict";
  if (!window.WebSocket) return;
  var delay = 2000;
  function open() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/chat/agent/");
    var timer = null;
    socket.addEventListener("open", function () {
      delay = 2000;
      timer = setInterval(function () { socket.send('{"type":"ping"}'); }, 45000);
    });
    socket.addEventListener("close", function () {
      clearInterval(timer);
      setTimeout(open, delay + Math.random() * 1000);
      delay = Math.min(delay * 2, 60000);
    });
  }
  open();
})();
