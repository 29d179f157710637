// The approvals inbox: a box in the table's head that ticks every row
// shown (with a kind chosen, all of that kind). The page works without it:
// "select all" is also a link.
"use strict";
(function () {
  var all = document.getElementById("inbox-all");
  if (!all) { return; }
  var boxes = document.querySelectorAll("table.inbox input[name=id]");
  if (boxes.length === 0) { return; }
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
  });
})();
