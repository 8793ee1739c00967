// Countdowns to a batch's opening second: progressive enhancement only (the page
// shows the opening time without it). Served from hechuang itself; no inline script.
(function () {
  var els = document.querySelectorAll("[data-countdown]");
  if (!els.length) return;
  function tick() {
    var now = Date.now();
    els.forEach(function (el) {
      var at = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(at)) return;
      // Rounded up: "started" only once the opening instant has passed.
      var left = Math.max(0, Math.ceil((at - now) / 1000));
      if (!el.dataset.label) el.dataset.label = el.textContent;
      if (left === 0) { el.textContent = el.dataset.label + "（已开始，请刷新）"; return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = el.dataset.label + "（还有 " + (d ? d + " 天 " : "") + h + " 时 " + m + " 分 " + s + " 秒）";
    });
  }
  tick();
  setInterval(tick, 1000);
})();
