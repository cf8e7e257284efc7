// pause-tracker board: ticks every time left once a second and refreshes the rows every
// 30 s from the same URL (filters included). Served by the app; no inline script, no CDN.
"use strict";
(function () {
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function label(seconds, phase) {
    var s = Math.max(0, Math.floor(seconds));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    return (d ? d + " d " : "") + two(h) + " h " + two(m) + " min " + two(sec) + " s " + phase;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.left[data-deadline]").forEach(function (el) {
      var left = (Date.parse(el.dataset.deadline) - now) / 1000;
      el.textContent = label(left, el.dataset.phase);
    });
  }
  function refresh() {
    var board = document.getElementById("board-rows");
    if (!board) { return; }
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["board-rows", "count", "rendered"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(fresh); }
        });
        tick();
      })
      .catch(function () { /* keep the rows we have; the next refresh tries again */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    var table = document.getElementById("board");
    if (table) { setInterval(refresh, 1000 * Number(table.dataset.refresh || 30)); }
  });
})();
