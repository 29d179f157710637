// The field app's pages: my cases (kept on the phone), the visit note,
// follow-up outcome, assessment and photo forms, and the sending status.
// Filled forms go into the queue (queue.js); the queue is sent when the
// network returns (the online event, then again with a growing wait, and
// Background Sync where the browser has it).
"use strict";
(function () {
  const Q = window.TadamunQueue;
  const root = document.querySelector(".field-app");
  const tpl = document.getElementById("field-msgs");
  if (!Q || !root || !tpl) return;
  const page = root.dataset.page;
  const lang = tpl.dataset.lang || "ar";
  const arabicDigits = tpl.dataset.arabic === "true";
  const msgs = {};
  tpl.content.querySelectorAll("span[data-k]").forEach((s) => { msgs[s.dataset.k] = s.textContent; });
  const plural = new Intl.PluralRules(lang === "ar" ? "ar" : "en");

  function digits(s) {
    s = String(s);
    return arabicDigits ? s.replace(/[0-9]/g, (d) => "٠١٢٣٤٥٦٧٨٩"[d]) : s;
  }
  // iso wraps a number or code in a left-to-right isolate, as the server does.
  function iso(s) { return "\u2066" + digits(s) + "\u2069"; }
  function fill(text, args) {
    return text.replace(/\{(\w+)\}/g, (m, k) => (args && args[k] !== undefined ? args[k] : m));
  }
  function t(key, args) { return fill(msgs[key] || key, args); }
  function tn(key, n, args) {
    const a = Object.assign({ n: iso(n) }, args || {});
    const exact = n === 0 ? "zero" : plural.select(n);
    return fill(msgs[key + "#" + exact] || msgs[key + "#" + plural.select(n)] || msgs[key + "#other"] || key, a);
  }
  function pad(n) { return String(n).padStart(2, "0"); }
  function when(ms) {
    // A time reads as one piece: it never breaks at a line's end.
    const d = new Date(ms);
    return iso(d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()));
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  const $ = (id) => document.getElementById(id);

  // ---- the sending status ----
  let syncing = false;
  async function renderStatus() {
    const online = navigator.onLine;
    const net = $("field-net");
    if (net) { net.textContent = syncing ? t("sending") : (online ? t("online") : t("offline")); net.classList.toggle("off", !online); }
    const q = await Q.queued();
    const queued = $("field-queued");
    if (queued) { queued.textContent = tn("queued", q.length); queued.dataset.count = String(q.length); }
    const last = await Q.get("meta", "last_sync");
    const lastEl = $("field-last");
    if (lastEl) lastEl.textContent = last ? t("last_sync", { time: when(last) }) : t("never_synced");
    const conflicts = (await Q.get("meta", "conflicts")) || 0;
    const cl = $("field-conflicts");
    if (cl) { cl.hidden = conflicts === 0; cl.textContent = tn("conflicts", conflicts); cl.dataset.count = String(conflicts); }
    const problem = await Q.get("meta", "problem");
    const pr = $("field-problem");
    if (pr) {
      let text = "";
      if (problem && problem.status === 401) text = t("login_again");
      else if (problem && problem.message) text = problem.message + " " + t("retry_at");
      pr.textContent = text;
      pr.hidden = text === "";
    }
    if (page === "home") renderRefused();
  }

  // ---- sending, with a growing wait after a failure ----
  let timer = null;
  async function send() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (syncing) return;
    syncing = true;
    renderStatus();
    let r;
    try { r = await Q.sync(); } finally { syncing = false; }
    await renderStatus();
    if (r && r.retry && r.status !== 401) {
      const wait = Math.min(60000, 2000 * Math.pow(2, Math.min(r.attempt || 1, 5) - 1));
      timer = setTimeout(send, wait + Math.floor(Math.random() * 1000));
    }
  }
  window.addEventListener("online", () => { renderStatus(); send(); });
  window.addEventListener("offline", renderStatus);
  if (Q.channel) Q.channel.onmessage = () => { renderStatus(); if (page === "home") renderCases(); };
  const syncButton = $("field-sync");
  if (syncButton) syncButton.addEventListener("click", send);

  // ---- my cases ----
  function caseHeading(c) {
    return el("h3", {}, el("span", { class: "mono", text: c.number }), " — ", c.household || "");
  }
  async function renderCases() {
    const list = $("field-cases");
    if (!list) return;
    const cases = (await Q.all("cases")).sort((a, b) => String(a.number).localeCompare(String(b.number)));
    list.replaceChildren();
    $("field-no-cases").hidden = cases.length > 0;
    const at = await Q.get("meta", "cases_at");
    $("field-cases-at").textContent = at ? t("cases_saved", { time: when(at) }) : "";
    for (const c of cases) {
      const due = el("ul", { class: "field-due" });
      for (const d of c.due || []) {
        const day = d.due_at ? el("span", { class: "field-nowrap", text: t("due_on", { date: iso(String(d.due_at).slice(0, 10)) }) }) : "";
        due.append(el("li", { class: d.overdue ? "field-overdue" : "" }, d.title, " ", day, d.overdue ? " — " + t("overdue") : ""));
      }
      const q = "?case=" + encodeURIComponent(c.id);
      list.append(el("li", { class: "field-case", "data-case": c.id },
        caseHeading(c),
        el("p", {}, [c.address, c.area].filter(Boolean).join(" — ")),
        c.risk ? el("p", {}, el("span", { class: "field-risk " + c.risk, text: t("risk." + c.risk) })) : null,
        (c.due || []).length ? el("p", { class: "muted", text: t("due") }) : null,
        (c.due || []).length ? due : null,
        el("div", { class: "field-actions" },
          el("a", { class: "button", href: "/field/visit" + q, text: t("kind.visit") }),
          el("a", { class: "button", href: "/field/followup" + q, text: t("kind.followup") }),
          el("a", { class: "button", href: "/field/assess" + q, text: t("kind.assessment") }),
          el("a", { class: "button", href: "/field/photo" + q, text: t("kind.attachment") }))));
    }
  }
  async function renderRefused() {
    const box = $("field-refused");
    if (!box) return;
    const refused = await Q.all("refused");
    box.hidden = refused.length === 0;
    const list = $("field-refused-list");
    list.replaceChildren();
    for (const it of refused) {
      const c = await Q.get("cases", it.case_id);
      const remove = el("button", { type: "button", class: "secondary big", text: t("remove") });
      remove.addEventListener("click", async () => { await Q.del("refused", it.client_id); renderStatus(); });
      list.append(el("li", { class: "field-case" },
        el("h3", {}, t("kind." + it.kind), " — ", c ? el("span", { class: "mono", text: c.number }) : iso(it.case_id)),
        el("p", { class: "field-overdue", text: t("not_sent_status") + ": " + (it.message || "") }),
        it.outcome ? el("p", { class: "field-text", text: it.outcome }) : null,
        it.text ? el("p", { class: "field-text", text: it.text }) : null,
        remove));
    }
  }

  // ---- the forms ----
  async function currentCase() {
    const id = Number(new URLSearchParams(location.search).get("case"));
    const c = id ? await Q.get("cases", id) : null;
    const head = $("field-case");
    $("field-case-missing").hidden = !!c;
    if (head) {
      head.hidden = !c;
      if (c) head.replaceChildren(el("h2", {}, el("span", { class: "mono", text: c.number }), " — ", c.household || ""),
        el("p", { class: "muted" }, [c.address, c.area].filter(Boolean).join(" — ")));
    }
    return c;
  }
  function localNow() {
    const d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function atValue(form) {
    const v = form.elements.at && form.elements.at.value;
    return v ? new Date(v).toISOString() : new Date().toISOString();
  }
  function say(text, bad) {
    const m = $("field-form-msg");
    m.textContent = text;
    m.className = bad ? "message bad" : "flash";
  }

  function question(q) {
    const id = "q-" + q.name;
    const label = q.label + (q.required ? " (" + t("required") + ")" : "");
    const wrap = el("div", { class: "field", "data-question": q.name });
    const choices = q.kind === "yes_no" ? [{ name: "yes", label: t("yes") }, { name: "no", label: t("no") }]
      : q.kind === "scale" && !(q.choices || []).length ? [1, 2, 3, 4, 5].map((n) => ({ name: String(n), label: digits(n) }))
        : q.choices || [];
    if (["select_one", "select_multiple", "yes_no", "scale"].indexOf(q.kind) >= 0) {
      const fs = el("fieldset", {}, el("legend", { text: label }));
      const type = q.kind === "select_multiple" ? "checkbox" : "radio";
      choices.forEach((c, i) => {
        fs.append(el("label", { for: id + "-" + i }, el("input", { type: type, id: id + "-" + i, name: q.name, value: c.name }), c.label));
      });
      wrap.append(fs);
      return wrap;
    }
    const type = q.kind === "number" ? "number" : q.kind === "date" ? "date" : "text";
    const input = q.kind === "text" ? el("textarea", { id: id, name: q.name, rows: 3 }) : el("input", { id: id, name: q.name, type: type, inputmode: q.kind === "number" ? "decimal" : null });
    if (q.required) input.setAttribute("required", "");
    wrap.append(el("label", { for: id, text: label }), input);
    return wrap;
  }

  async function setupForm() {
    const form = $("field-form");
    if (!form) return;
    const c = await currentCase();
    form.hidden = !c;
    if (!c) return;
    if (form.elements.at) form.elements.at.value = localNow();
    if (page === "followup") {
      const sel = form.elements.referral_id;
      for (const r of c.referrals || []) sel.append(el("option", { value: r.id, text: r.title + (r.service ? "" : "") }));
      if (!(c.referrals || []).length) say(t("no_referrals"), true);
    }
    if (page === "assess") {
      const box = $("field-questions");
      if (!c.form || !(c.form.questions || []).length) { say(t("no_form"), true); form.querySelector("button[type=submit]").hidden = true; return; }
      box.append(el("h2", { text: c.form.title || "" }));
      for (const q of c.form.questions) box.append(question(q));
    }
    let photo = null;
    if (page === "photo") {
      form.elements.photo.addEventListener("change", async () => {
        const f = form.elements.photo.files[0];
        photo = null;
        if (!f) return;
        photo = await shrink(f);
        const img = $("f-preview");
        img.src = photo.url;
        img.hidden = false;
        if (!form.elements.name.value) form.elements.name.value = f.name.replace(/\.[^.]*$/, "");
        say(t("photo_ready"));
      });
    }
    // A question answered is no longer marked as missing.
    form.addEventListener("change", (e) => {
      const q = e.target.closest && e.target.closest("[data-question]");
      if (q) q.classList.remove("field-error");
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const item = { kind: form.dataset.kind, case_id: c.id, base_version: c.version || 0, case_number: c.number };
      let ok = true;
      if (page === "visit") {
        item.text = form.elements.text.value.trim();
        item.at = atValue(form);
        ok = item.text !== "";
      } else if (page === "followup") {
        item.referral_id = Number(form.elements.referral_id.value) || 0;
        // A follow-up's base is the version of its referral, not of the case.
        const ref = (c.referrals || []).find((x) => x.id === item.referral_id);
        item.base_version = ref ? (ref.version || 0) : 0;
        item.outcome = form.elements.outcome.value.trim();
        item.text = form.elements.text.value.trim();
        item.at = atValue(form);
        ok = item.referral_id > 0 && item.outcome !== "";
      } else if (page === "assess") {
        item.form_id = c.form.id;
        item.form_version = c.form.version;
        item.answers = {};
        for (const q of c.form.questions) {
          const inputs = form.querySelectorAll('[name="' + CSS.escape(q.name) + '"]');
          const vals = [];
          inputs.forEach((i) => { if ((i.type === "radio" || i.type === "checkbox") ? i.checked : i.value.trim() !== "") vals.push(i.value.trim()); });
          const v = vals.join(" ");
          if (v !== "") item.answers[q.name] = v;
          const missing = q.required && v === "";
          form.querySelector('[data-question="' + CSS.escape(q.name) + '"]').classList.toggle("field-error", missing);
          if (missing) ok = false;
        }
      } else if (page === "photo") {
        ok = photo !== null;
        if (ok) {
          item.name = (form.elements.name.value.trim() || "document") + ".jpg";
          item.content_type = "image/jpeg";
          item.data = photo.url.slice(photo.url.indexOf(",") + 1);
        }
      }
      if (!ok) { say(t("fill_required"), true); return; }
      await Q.enqueue(item);
      form.reset();
      if (form.elements.at) form.elements.at.value = localNow();
      if (page === "photo") { photo = null; $("f-preview").hidden = true; }
      say(t("saved"));
      await renderStatus();
      if (navigator.onLine) send();
    });
  }

  // shrink makes a photo at most 1600 pixels on its longer side, as JPEG.
  async function shrink(file) {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bmp.width * scale);
    canvas.height = Math.round(bmp.height * scale);
    canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
    return { url: canvas.toDataURL("image/jpeg", 0.8), width: canvas.width, height: canvas.height };
  }

  // ---- start ----
  async function start() {
    await Q.put("meta", lang, "lang");
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.addEventListener("message", (e) => { if (e.data && e.data.type === "kept") root.dataset.kept = "true"; });
      navigator.serviceWorker.register("/sw.js", { scope: "/field/" }).then(async () => {
        const reg = await navigator.serviceWorker.ready;
        const urls = performance.getEntriesByType("resource").map((e) => e.name).filter((u) => u.indexOf("/static/") >= 0);
        if (reg.active) reg.active.postMessage({ type: "keep", urls: urls });
      }).catch(() => { /* no offline pages, the rest works */ });
    }
    if (navigator.onLine) {
      try { await Q.refreshCases(lang); } catch (e) { /* the kept ones */ }
      try { await Q.refreshConflicts(); } catch (e) { /* shown next time */ }
    }
    await renderStatus();
    if (page === "home") await renderCases(); else await setupForm();
    root.dataset.ready = "true";
    if ((await Q.queued()).length > 0 && navigator.onLine) send();
  }
  start();
})();
