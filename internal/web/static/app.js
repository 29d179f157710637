// Tadamun's only script: progressive enhancements; every page works without it.
"use strict";
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  var msg = f.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});
