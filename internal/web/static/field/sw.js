// The field app's service worker, served at /sw.js with the scope /field/.
// It keeps the field pages and their scripts and styles, so that they open
// with no network, and sends the queue of filled forms when the browser
// says the network is back (Background Sync). It never answers for the API:
// a form is stored only when the server says so.
"use strict";
importScripts("/static/field/queue.js");

const VERSION = "__FIELD_VERSION__";
const CACHE = "tadamun-field-" + VERSION;
const PAGES = ["/field/", "/field/visit", "/field/followup", "/field/assess", "/field/photo", "/field/manifest.webmanifest"];

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("tadamun-field-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// keep fetches url (with the cookies, as the page would) and keeps the
// answer when it is the page itself and not a sign-in page it was sent to.
async function keep(cache, url) {
  try {
    const resp = await fetch(url, { credentials: "same-origin" });
    if (resp.ok && !resp.redirected) await cache.put(new URL(url, self.location.origin).pathname, resp);
  } catch (e) { /* offline: kept next time */ }
}

// A page asks to keep the field pages and what it loaded.
self.addEventListener("message", (event) => {
  const d = event.data || {};
  if (d.type !== "keep") return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const urls = new Set(PAGES.concat((d.urls || []).filter((u) => new URL(u, self.location.origin).origin === self.location.origin)));
    await Promise.all(Array.from(urls).map((u) => keep(cache, u)));
    if (event.source) event.source.postMessage({ type: "kept" });
  })());
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // Static files carry their content's hash: a kept one never changes.
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      const resp = await fetch(req);
      if (resp.ok) cache.put(req, resp.clone());
      return resp;
    })());
    return;
  }
  const page = req.mode === "navigate" && url.pathname.startsWith("/field/") && url.pathname !== "/field/conflicts";
  if (page || url.pathname === "/field/manifest.webmanifest") {
    // The network first (fresh page), the kept page when there is none.
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        const resp = await fetch(req);
        if (resp.ok && !resp.redirected && resp.type === "basic") cache.put(url.pathname, resp.clone());
        return resp;
      } catch (e) {
        return (await cache.match(url.pathname)) || (await cache.match("/field/")) || Response.error();
      }
    })());
  }
});

self.addEventListener("sync", (event) => {
  // A rejected promise tells the browser to try again later.
  if (event.tag === TadamunQueue.SYNC_TAG) {
    event.waitUntil(TadamunQueue.sync().then((r) => { if (r.retry) throw new Error("the queue waits for the network"); }));
  }
});
