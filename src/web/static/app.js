// Countdowns to a batch's opening second: progressive enhancement only (the page
// shows the opening time without it). The clock is the server's: the page carries the
// server's time when it was made, and the countdown runs on that offset, not on the
// reader's own clock. Served from hechuang itself; no inline script.
// The words are the page's (#hc-words, from the message files), in the reader's language.
function hcSay(name, values) {
  var holder = document.getElementById("hc-words");
  var text = (holder && holder.dataset[name]) || "";
  Object.keys(values || {}).forEach(function (k) {
    text = text.split("{" + k + "}").join(String(values[k]));
  });
  return text;
}
(function () {
  var els = document.querySelectorAll("[data-countdown]");
  if (!els.length) return;
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
        el.textContent = el.dataset.label +
          (d ? hcSay("leftDays", { d: d, h: h, m: m, s: s }) : hcSay("left", { h: h, m: m, s: s }));
      } else if (at <= loaded) {
        el.textContent = el.dataset.label + hcSay("started");
      } else {
        // It opened while the page was open: the claim button comes with a reload.
        el.textContent = el.dataset.label + hcSay("startedReload");
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
  function problem(code) {
    if (code.length !== 18) return hcSay("ccLength", { n: code.length });
    for (var i = 0; i < 18; i++) {
      if (CHARS.indexOf(code[i]) < 0) return hcSay("ccChar", { pos: i + 1, ch: code[i] });
    }
    for (i = 2; i < 8; i++) {
      if (!/[0-9]/.test(code[i])) return hcSay("ccRegion");
    }
    var s = 0;
    for (i = 0; i < 8; i++) {
      var c = code[8 + i];
      s += (/[0-9]/.test(c) ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55) * OW[i];
    }
    var r = 11 - s % 11, org = r === 10 ? "X" : r === 11 ? "0" : String(r);
    if (code[16] !== org) return hcSay("ccOrg", { want: org });
    s = 0;
    for (i = 0; i < 17; i++) s += CHARS.indexOf(code[i]) * W[i];
    var check = CHARS[(31 - s % 31) % 31];
    if (code[17] !== check) return hcSay("ccCheck", { want: check });
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
