// The approvals inbox: a box above the table that ticks every row
// shown (with a kind chosen, all of that kind). The page works without it:
// "select all" is also a link.
"use strict";
(function () {
  var all = document.getElementById("inbox-all");
  if (!all) { return; }
  var boxes = document.querySelectorAll("table.inbox input[name=id]");
  if (boxes.length === 0) { return; }
  document.getElementById("inbox-all-box").hidden = false;
  var link = document.querySelector(".inbox-select-link");
  if (link) { link.hidden = true; }
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
  });
})();
