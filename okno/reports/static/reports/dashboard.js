// Draws the dashboard charts from the JSON data blocks the page embeds
// (<script type="application/json">: data, not code, so the CSP allows it).
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function line(canvas, labels, datasets) {
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: { animation: false, responsive: true, interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  function draw() {
    var data = readJson("report-data");
    var text = readJson("report-labels") || {};
    if (!data || !window.Chart) return;
    var s = data.series;
    var daily = document.getElementById("chart-daily");
    if (daily) {
      line(daily, s.days, [
        { label: text.created, data: s.created, borderColor: "#2563eb", backgroundColor: "#2563eb" },
        { label: text.solved, data: s.solved, borderColor: "#16a34a", backgroundColor: "#16a34a" },
        { label: text.reopened, data: s.reopened, borderColor: "#dc2626", backgroundColor: "#dc2626" },
      ]);
    }
    var backlog = document.getElementById("chart-backlog");
    if (backlog) {
      line(backlog, s.days, [
        { label: text.backlog, data: s.backlog, borderColor: "#9333ea", backgroundColor: "#9333ea", fill: false },
      ]);
    }
    var channels = document.getElementById("chart-channels");
    if (channels) {
      new window.Chart(channels, {
        type: "bar",
        data: {
          labels: data.by_channel.map(function (r) { return r.name; }),
          datasets: [{ label: text.created, data: data.by_channel.map(function (r) { return r.count; }),
                       backgroundColor: "#2563eb" }],
        },
        options: { animation: false, indexAxis: "y", plugins: { legend: { display: false } } },
      });
    }
    var status = document.getElementById("chart-status");
    if (status) {
      var keys = ["new", "open", "pending", "on_hold"];
      new window.Chart(status, {
        type: "bar",
        data: {
          labels: keys.map(function (k) { return text[k] || k; }),
          datasets: [{ label: text.hours, data: keys.map(function (k) { return data.time_in_status[k]; }),
                       backgroundColor: ["#64748b", "#2563eb", "#f59e0b", "#a855f7"] }],
        },
        options: { animation: false, plugins: { legend: { display: false } } },
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
