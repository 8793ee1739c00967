// Countdowns to a batch's opening second: progressive enhancement only (the page
// shows the opening time without it). The clock is the server's: the page carries the
// server's time when it was made, and the countdown runs on that offset, not on the
// reader's own clock. Served from hechuang itself; no inline script.
(function () {
  var els = document.querySelectorAll("[data-countdown]");
  if (!els.length) return;
  var en = document.documentElement.lang === "en";
  var holder = document.querySelector("[data-server-now]");
  var server = holder ? Date.parse(holder.getAttribute("data-server-now")) : NaN;
  var offset = isNaN(server) ? 0 : server - Date.now();
  var loaded = Date.now() + offset;
  function tick() {
    var now = Date.now() + offset;
    els.forEach(function (el) {
      var at = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(at)) return;
      if (!el.dataset.label) el.dataset.label = el.textContent;
      // "Started" only once the opening instant has passed on the server's clock.
      if (now < at) {
        var left = Math.ceil((at - now) / 1000);
        var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
            m = Math.floor(left % 3600 / 60), s = left % 60;
        el.textContent = en
          ? el.dataset.label + " (in " + (d ? d + " d " : "") + h + " h " + m + " min " + s + " s)"
          : el.dataset.label + "（还有 " + (d ? d + " 天 " : "") + h + " 时 " + m + " 分 " + s + " 秒）";
      } else if (at <= loaded) {
        el.textContent = en ? el.dataset.label + " (started)" : el.dataset.label + "（已开始）";
      } else {
        // It opened while the page was open: the claim button comes with a reload.
        el.textContent = en ? el.dataset.label + " (started: reload the page)" : el.dataset.label + "（已开始，请刷新）";
      }
    });
  }
  tick();
  setInterval(tick, 1000);
})();

// A credit code (统一社会信用代码, GB 32100-2015) checked as it is typed: length,
// characters, the organisation code's check (GB 11714) and the final check character.
// Only a hint beside the field; the server checks again and decides.
(function () {
  var CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  var OW = [3, 7, 9, 10, 5, 8, 4, 2];
  var en = document.documentElement.lang === "en";
  function problem(code) {
    if (code.length !== 18) return en ? "A credit code has 18 characters (" + code.length + " so far)." : "统一社会信用代码应为18位（已输入" + code.length + "位）";
    for (var i = 0; i < 18; i++) {
      if (CHARS.indexOf(code[i]) < 0) return en ? "Character " + (i + 1) + " (" + code[i] + ") is not allowed." : "第" + (i + 1) + "位字符“" + code[i] + "”不合法";
    }
    for (i = 2; i < 8; i++) {
      if (!/[0-9]/.test(code[i])) return en ? "Positions 3–8 must be digits." : "第3–8位应为行政区划码（数字）";
    }
    var s = 0;
    for (i = 0; i < 8; i++) {
      var c = code[8 + i];
      s += (/[0-9]/.test(c) ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55) * OW[i];
    }
    var r = 11 - s % 11, org = r === 10 ? "X" : r === 11 ? "0" : String(r);
    if (code[16] !== org) return en ? "Check character 17 should be " + org + "." : "第17位（组织机构代码校验码）应为“" + org + "”";
    s = 0;
    for (i = 0; i < 17; i++) s += CHARS.indexOf(code[i]) * W[i];
    var check = CHARS[(31 - s % 31) % 31];
    if (code[17] !== check) return en ? "Check character 18 should be " + check + "." : "第18位校验码应为“" + check + "”";
    return "";
  }
  document.querySelectorAll("input[data-credit-code]").forEach(function (input) {
    var live = document.getElementById(input.id + "-live");
    if (!live) return;
    input.addEventListener("input", function () {
      var code = input.value.trim().toUpperCase();
      live.textContent = code ? problem(code) : "";
    });
  });
})();

// Tables become cards at phone width (app.css): each cell is labelled with its column's
// name from the table's head. Without the script a table scrolls inside its box.
(function () {
  document.querySelectorAll("table").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) return;
    var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.children, function (cell) {
        if (!cell.hasAttribute("data-label") && names[col]) cell.setAttribute("data-label", names[col]);
        col += cell.colSpan || 1;
      });
    });
    table.classList.add("cards-on-phone");
  });
})();

// At phone width each navigation bar is one line that scrolls sideways (app.css): bring
// the current page's link into view.
(function () {
  document.querySelectorAll("nav.main .bar, nav.work .bar").forEach(function (bar) {
    var here = bar.querySelector("a[aria-current]");
    if (here && bar.scrollWidth > bar.clientWidth) {
      bar.scrollLeft = here.offsetLeft - (bar.clientWidth - here.offsetWidth) / 2;
    }
  });
})();
