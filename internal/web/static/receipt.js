// The grievance receipt and status pages: copy the tracking code, print the
// receipt. Both buttons are hidden until this script shows them; without
// it the code can be selected by hand and the page printed from the
// browser's menu (the print style sheet hides the menus).
"use strict";
(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "area-status";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      if (ok) { resolve(); } else { reject(new Error("copy")); }
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (b) {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el) { return; }
      var status = b.parentNode.querySelector("[data-copy-status]");
      b.hidden = false;
      b.addEventListener("click", function () {
        copyText(el.textContent.trim()).then(function () {
          if (status) { status.textContent = b.getAttribute("data-copied"); }
        }, function () {
          var r = document.createRange();
          r.selectNodeContents(el);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(r);
          if (status) { status.textContent = b.getAttribute("data-failed"); }
        });
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
