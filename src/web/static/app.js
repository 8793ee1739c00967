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
