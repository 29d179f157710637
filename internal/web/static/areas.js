// The area picker (templates/_area_picker.html): when a governorate,
// district or member changes, the lists below refill from the JSON API;
// the search box above a list narrows it by part of a name (the server
// compares names after Arabic normalization). Without this script the
// picker's "update the lists" button does the same through the server.
"use strict";
(function () {
  function init(box) {
    if (box.getAttribute("data-area-ready")) { return; }
    box.setAttribute("data-area-ready", "1");
    var form = box.form || box.closest("form");
    var selects = Array.prototype.slice.call(box.querySelectorAll("select[data-area-level]"));
    var searches = Array.prototype.slice.call(box.querySelectorAll("input.area-search"));
    var levels = ["governorate", "district", "locality"];
    var status = box.querySelector(".area-status");
    var lang = document.documentElement.lang === "en" ? "en" : "ar";
    var arabicDigits = box.getAttribute("data-digits") === "arab";
    var firsts = (box.getAttribute("data-first") || "").split("|");
    var blank = box.getAttribute("data-blank") || "—";
    var memberSel = form ? form.querySelector('select[name="member"]') : null;
    var timers = [];
    var seq = [0, 0, 0];
    searches.forEach(function (s) { s.hidden = false; });

    function member() { return memberSel ? memberSel.value : ""; }
    function url() {
      var u = box.getAttribute("data-endpoint") || "";
      if (u.indexOf("{member}") >= 0) {
        if (!member()) { return ""; }
        u = u.replace("{member}", encodeURIComponent(member()));
      }
      return u;
    }
    function digits(s) {
      return arabicDigits ? String(s).replace(/[0-9]/g, function (d) { return String.fromCharCode(0x660 + Number(d)); }) : String(s);
    }
    function say(n) {
      if (status) { status.textContent = (box.getAttribute("data-results") || "{n}").replace("{n}", digits(n)); }
    }
    function name(a) { return lang === "en" && a.name_en ? a.name_en : a.name_ar; }
    function fill(i, items, label) {
      var sel = selects[i];
      var keep = sel.value;
      sel.textContent = "";
      var o = document.createElement("option");
      o.value = "";
      o.textContent = label;
      sel.appendChild(o);
      items.sort(function (a, b) { return name(a).localeCompare(name(b), lang); });
      items.forEach(function (a) {
        var op = document.createElement("option");
        op.value = a.code;
        op.textContent = name(a);
        sel.appendChild(op);
      });
      sel.value = keep;
      if (sel.value !== keep) { sel.value = ""; }
    }
    function clearBelow(i) {
      for (var j = i + 1; j < selects.length; j++) {
        fill(j, [], firsts[j - 1] || blank);
        selects[j].value = "";
        if (searches[j]) { searches[j].value = ""; }
      }
    }
    // load fills list i with the areas of its parent that match q.
    function load(i, q, then) {
      var base = url();
      if (!base) { fill(i, [], box.getAttribute("data-member-first") || blank); return; }
      var params = new URLSearchParams();
      params.set("level", levels[i]);
      if (i > 0) {
        var parent = selects[i - 1].value;
        if (!parent) { fill(i, [], firsts[i - 1] || blank); return; }
        params.set("parent", parent);
      }
      if (q) { params.set("q", q); }
      var mine = ++seq[i];
      fetch(base + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error("areas: " + r.status); } return r.json(); })
        .then(function (body) {
          if (mine !== seq[i]) { return; } // a newer request answers instead
          var items = body.items || [];
          var before = selects[i].value;
          fill(i, items, blank);
          say(items.length);
          if (q && items.length === 1) { selects[i].value = items[0].code; }
          // A choice that the search removed or made clears the lists below.
          if (selects[i].value !== before) { changed(i); }
          if (then) { then(); }
        })
        .catch(function () { /* the lists stay as they are; the server checks what is sent */ });
    }
    function changed(i) {
      clearBelow(i);
      if (i + 1 < selects.length && selects[i].value) { load(i + 1, ""); }
    }
    selects.forEach(function (sel, i) {
      sel.addEventListener("change", function () { changed(i); });
    });
    searches.forEach(function (s, i) {
      s.addEventListener("input", function () {
        clearTimeout(timers[i]);
        timers[i] = setTimeout(function () { load(i, s.value.trim()); }, 200);
      });
      s.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); selects[i].focus(); }
        if (ev.key === "ArrowDown") { ev.preventDefault(); selects[i].focus(); }
      });
    });
    if (memberSel) {
      memberSel.addEventListener("change", function () {
        selects[0].value = "";
        searches.forEach(function (s) { s.value = ""; });
        clearBelow(0);
        load(0, "");
      });
    }
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-area-picker]"), init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
