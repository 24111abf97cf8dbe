{% autoescape off %}// Bocage's service worker (served by core.pwa.service_worker at /sw.js, scope: the whole site).
// The shell (CSS, JS, icons, the offline page) and the member's own payment QR pages stay
// available on a weak connection. Pages: network first. Never cached: POSTs (any non-GET), the
// API, the admin, logins, the books, other sites. A page served from the cache is marked as an
// offline copy (static/js/pwa.js then disables its forms): nothing is ever paid offline.
"use strict";

const CONFIG = {{ config }};
const SHELL = "bocage-shell-v" + CONFIG.version;
const PAGES = "bocage-pages-v" + CONFIG.version;
const KEPT = CONFIG.keptPages.map(function (pattern) { return new RegExp(pattern); });

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(CONFIG.shell); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.startsWith("bocage-") && name !== SHELL && name !== PAGES;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// A logged-out member leaves nothing behind (static/js/pwa.js posts this on logout).
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget-pages") {
    event.waitUntil(caches.delete(PAGES));
  }
});

function neverCached(url) {
  return CONFIG.neverCached.some(function (prefix) { return url.pathname.startsWith(prefix); });
}

function isKept(url) {
  return !url.search && KEPT.some(function (pattern) { return pattern.test(url.pathname); });
}

// The cached copy, marked so the page knows it is not live (pwa.js shows it and disables forms).
function asOfflineCopy(response) {
  return response.text().then(function (html) {
    const marked = html.replace("<body", '<body data-offline-copy="' + (response.headers.get("Date") || "") + '"');
    return new Response(marked, {status: 200, headers: {"Content-Type": "text/html; charset=utf-8"}});
  });
}

function page(request, url) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && isKept(url)) {
      const copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, {cacheName: PAGES}).then(function (cached) {
      if (cached) return asOfflineCopy(cached);
      return caches.match(CONFIG.offlineUrl, {cacheName: SHELL});
    });
  });
}

// Static files: the cached copy at once, refreshed in the background (stale-while-revalidate). In
// production their names are hashed, so a copy never goes stale; in the embedded demo they are
// not, and the next load gets the new file.
function asset(event, request) {
  const refreshed = fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      const copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  });
  event.waitUntil(refreshed.then(function () {}, function () {}));
  return caches.match(request).then(function (cached) { return cached || refreshed; });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;  // the network only, never a cached answer
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || neverCached(url)) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(event, request));
  }
});
{% endautoescape %}
