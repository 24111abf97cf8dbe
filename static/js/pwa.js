// The installable app: registers the service worker (/sw.js, see core/pwa.py) and handles the
// pages it serves from its cache when the connection fails: such a page is a copy, so a notice
// says so and its forms are disabled (nothing is ever paid or changed offline). Once signed out,
// the pages kept on this device are forgotten. Loaded from base.html's <head>:
// <script src="…/pwa.js" data-sw="/sw.js" data-offline-text="…" [data-signed-out] defer>.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) return;

  function forgetPages() {
    if (!window.caches) return;
    caches.keys().then(function (names) {
      names.forEach(function (name) {
        if (name.indexOf("bocage-pages-") === 0) caches.delete(name);
      });
    });
  }

  if ("serviceWorker" in navigator && script.dataset.sw) {
    navigator.serviceWorker.register(script.dataset.sw, {scope: "/"}).catch(function () {});
  }

  if (script.hasAttribute("data-signed-out")) forgetPages();
  document.querySelectorAll("form[action$='/accounts/logout/']").forEach(function (form) {
    form.addEventListener("submit", forgetPages);
  });

  function markOfflineCopy() {
    var body = document.body;
    if (!body || !body.hasAttribute("data-offline-copy")) return;
    var notice = document.createElement("p");
    notice.className = "offline-notice";
    notice.setAttribute("role", "alert");
    notice.textContent = script.dataset.offlineText || "";
    var main = document.getElementById("main") || body;
    main.insertBefore(notice, main.firstChild);
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      form.querySelectorAll("button, input, select, textarea").forEach(function (field) { field.disabled = true; });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markOfflineCopy);
  } else {
    markOfflineCopy();
  }
})();
