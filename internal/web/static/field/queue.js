// The field app's store on the phone, in IndexedDB: the worker's cases
// (kept for offline use), the queue of filled forms (each with an id made
// here, crypto.randomUUID, and the case version the worker saw), the forms
// the server did not take (kept so nothing is lost) and a few facts (last
// sending, conflicts). It runs in the pages and in the service worker, so it
// touches no DOM. A form leaves the queue only when the server answered for
// it: stored, conflict (kept on the server), refused or discarded.
"use strict";
(function (g) {
  const DB = "tadamun-field";
  const SYNC_TAG = "tadamun-field-sync";
  const WIRE = ["client_id", "kind", "case_id", "base_version", "at", "text", "referral_id", "outcome",
    "form_id", "form_version", "answers", "name", "content_type", "data"];
  const FINAL = ["stored", "conflict", "refused", "discarded"];
  const BATCH_BYTES = 8 * 1024 * 1024;
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("tadamun-field") : null;

  let opened = null;
  function db() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const r = indexedDB.open(DB, 1);
        r.onupgradeneeded = () => {
          const d = r.result;
          d.createObjectStore("queue", { keyPath: "client_id" });
          d.createObjectStore("refused", { keyPath: "client_id" });
          d.createObjectStore("cases", { keyPath: "id" });
          d.createObjectStore("meta");
        };
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    }
    return opened;
  }
  function req(r) {
    return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  }
  function done(t) {
    return new Promise((resolve, reject) => { t.oncomplete = () => resolve(); t.onerror = t.onabort = () => reject(t.error); });
  }
  async function all(store) {
    const d = await db();
    return req(d.transaction(store).objectStore(store).getAll());
  }
  async function get(store, key) {
    const d = await db();
    return req(d.transaction(store).objectStore(store).get(key));
  }
  async function put(store, value, key) {
    const d = await db();
    const t = d.transaction(store, "readwrite");
    if (key === undefined) t.objectStore(store).put(value); else t.objectStore(store).put(value, key);
    return done(t);
  }
  async function del(store, key) {
    const d = await db();
    const t = d.transaction(store, "readwrite");
    t.objectStore(store).delete(key);
    return done(t);
  }
  function changed(what) { if (channel) channel.postMessage({ type: "changed", what: what }); }

  // queued returns the queue, oldest first.
  async function queued() {
    const q = await all("queue");
    q.sort((a, b) => a.queued_at - b.queued_at || a.seq - b.seq);
    return q;
  }

  let seq = 0;
  // enqueue keeps a filled form in the queue and asks for it to be sent.
  async function enqueue(item) {
    item.client_id = crypto.randomUUID();
    item.queued_at = Date.now();
    item.seq = seq++;
    await put("queue", item);
    changed("queue");
    if (g.navigator && g.navigator.serviceWorker && g.ServiceWorkerRegistration && "sync" in g.ServiceWorkerRegistration.prototype) {
      try { const reg = await g.navigator.serviceWorker.ready; await reg.sync.register(SYNC_TAG); } catch (e) { /* the page retries itself */ }
    }
    return item;
  }

  function wire(item) {
    const out = {};
    for (const k of WIRE) if (item[k] !== undefined && item[k] !== null && item[k] !== "") out[k] = item[k];
    return out;
  }

  let running = null;
  // sync sends the queue in batches. It resolves to {sent, retry, status,
  // message}: retry is true when forms remain that should be sent later
  // (no network, the server unavailable, the session ended).
  function sync() {
    if (!running) running = syncOnce().finally(() => { running = null; });
    return running;
  }

  async function syncOnce() {
    let sent = 0;
    const max = (await get("meta", "max_items")) || 100;
    const lang = (await get("meta", "lang")) || "ar";
    for (;;) {
      const q = await queued();
      if (q.length === 0) break;
      // At most max forms and about 8 MB a request (photos are large): the
      // server refuses a body over its limit as a whole.
      const batch = [];
      let size = 0;
      for (const it of q) {
        const n = JSON.stringify(wire(it)).length;
        if (batch.length > 0 && (batch.length >= max || size + n > BATCH_BYTES)) break;
        batch.push(it);
        size += n;
      }
      changed("sending");
      let resp;
      try {
        resp = await fetch("/api/v1/casework/sync", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json", "Accept-Language": lang },
          body: JSON.stringify({ items: batch.map(wire) }),
        });
      } catch (e) {
        return finish({ sent: sent, retry: true, status: 0 });
      }
      let body = null;
      try { body = await resp.json(); } catch (e) { body = null; }
      if (resp.ok && body && Array.isArray(body.results)) {
        const byId = new Map(batch.map((it) => [it.client_id, it]));
        for (const r of body.results) {
          const it = byId.get(r.client_id);
          if (!it || FINAL.indexOf(r.status) < 0) continue;
          if (r.status === "refused") {
            await put("refused", Object.assign({}, it, { message: r.message || "", refused_at: Date.now() }));
          }
          await del("queue", it.client_id);
          sent++;
        }
        await put("meta", Date.now(), "last_sync");
        await put("meta", 0, "attempt");
        changed("queue");
        continue;
      }
      const err = body && body.error ? body.error : {};
      const rows = (err.fields || []).filter((f) => f.row > 0 && f.row <= batch.length);
      if (resp.status >= 400 && resp.status < 500 && resp.status !== 401 && resp.status !== 429 && rows.length > 0) {
        // The batch was refused whole because of these forms: keep them
        // aside, with why, and send the others.
        for (const f of rows) {
          const it = batch[f.row - 1];
          await put("refused", Object.assign({}, it, { message: f.message || err.message || "", refused_at: Date.now() }));
          await del("queue", it.client_id);
        }
        changed("queue");
        continue;
      }
      return finish({ sent: sent, retry: true, status: resp.status, message: err.message || "" });
    }
    return finish({ sent: sent, retry: false, status: 200 });
  }

  async function finish(r) {
    if (r.sent > 0) {
      // What was sent may have met a conflict: count them again.
      try { await refreshConflicts(); } catch (e) { /* counted next time */ }
    }
    if (r.retry) {
      const attempt = ((await get("meta", "attempt")) || 0) + 1;
      await put("meta", attempt, "attempt");
      r.attempt = attempt;
    }
    await put("meta", r.retry ? { status: r.status, message: r.message || "" } : null, "problem");
    changed("synced");
    return r;
  }

  // refreshCases replaces the kept cases with the server's, when online.
  async function refreshCases(lang) {
    const resp = await fetch("/api/v1/casework/field/cases", { credentials: "same-origin", headers: { "Accept": "application/json", "Accept-Language": lang } });
    if (!resp.ok) throw new Error("cases: " + resp.status);
    const body = await resp.json();
    const d = await db();
    const t = d.transaction(["cases", "meta"], "readwrite");
    t.objectStore("cases").clear();
    for (const c of body.cases || []) t.objectStore("cases").put(c);
    t.objectStore("meta").put(Date.now(), "cases_at");
    t.objectStore("meta").put(body.available !== false, "available");
    if (body.max_items) t.objectStore("meta").put(body.max_items, "max_items");
    await done(t);
    changed("cases");
    return body;
  }

  // refreshConflicts counts the worker's open conflicts on the server.
  async function refreshConflicts() {
    const resp = await fetch("/api/v1/casework/sync/conflicts", { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (!resp.ok) return;
    const body = await resp.json();
    await put("meta", (body.items || []).length, "conflicts");
    changed("conflicts");
  }

  g.TadamunQueue = {
    SYNC_TAG: SYNC_TAG, all: all, get: get, put: put, del: del, queued: queued, enqueue: enqueue, sync: sync,
    refreshCases: refreshCases, refreshConflicts: refreshConflicts, channel: channel,
  };
})(self);
