// The donor picker (templates/_donor_picker.html): as the person types in
// the search box, the choices refill from GET /fund/donors/pick (the
// member's donors whose name, phone, e-mail, IBAN or reference match,
// compared by the server after Arabic normalization). The chosen donor and
// the page's own suggestions stay. Without this script the picker's
// "search" button does the same through the server.
"use strict";
(function () {
  function init(box) {
    if (box.getAttribute("data-donor-ready")) { return; }
    box.setAttribute("data-donor-ready", "1");
    var input = box.querySelector("input.donor-q");
    var list = box.querySelector(".donor-choices");
    var status = box.querySelector(".donor-status");
    var button = box.querySelector("button.donor-search");
    var field = box.getAttribute("data-field") || "donor";
    var endpoint = box.getAttribute("data-endpoint") || "";
    if (!input || !list || !endpoint) { return; }
    // The search runs here now: the button no longer submits the form, so
    // Enter in another field records rather than searches.
    if (button) { button.type = "button"; }
    var timer = null;
    var seq = 0;
    function say(text) { if (status) { status.textContent = text || ""; } }
    function fill(donors) {
      var have = {};
      Array.prototype.slice.call(list.querySelectorAll("label.donor-choice")).forEach(function (l) {
        var r = l.querySelector("input");
        if (l.hasAttribute("data-keep") || (r && r.checked)) {
          have[r.value] = true;
        } else {
          l.remove();
        }
      });
      donors.forEach(function (d) {
        var id = String(d.id);
        if (have[id]) { return; }
        var l = document.createElement("label");
        l.className = "donor-choice";
        var r = document.createElement("input");
        r.type = "radio";
        r.name = field;
        r.value = id;
        var n = document.createElement("span");
        n.className = "donor-name";
        n.textContent = d.name;
        var x = document.createElement("span");
        x.className = "donor-detail";
        x.textContent = d.detail;
        l.appendChild(r);
        l.appendChild(document.createTextNode(" "));
        l.appendChild(n);
        l.appendChild(document.createTextNode(" "));
        l.appendChild(x);
        list.appendChild(l);
      });
    }
    function run() {
      var q = input.value.trim();
      var mine = ++seq;
      if (q.length < 2) {
        fill([]);
        say(q ? box.getAttribute("data-short") : "");
        return;
      }
      var u = endpoint + (endpoint.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(q);
      fetch(u, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { if (!res.ok) { throw new Error(String(res.status)); } return res.json(); })
        .then(function (data) {
          if (mine !== seq) { return; }
          fill(data.donors || []);
          say(data.status);
        })
        .catch(function () { if (mine === seq) { say(box.getAttribute("data-failed")); } });
    }
    input.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(run, 250);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        if (timer) { clearTimeout(timer); }
        run();
      } else if (e.key === "ArrowDown") {
        var first = list.querySelector("input:checked") || list.querySelector("input");
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    if (button) { button.addEventListener("click", function () { if (timer) { clearTimeout(timer); } run(); }); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-donor-picker]"), init);
})();
