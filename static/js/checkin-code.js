// The member's check-in code (/me/check-in/): a code lives 5 minutes, so the page fetches itself
// every `data-refresh` seconds and swaps the code in place. No page reload: nothing moves under a
// screen reader's cursor, and the page stays usable without JavaScript (its "New code" link).
(function () {
  "use strict";
  var figure = document.querySelector("[data-checkin-refresh]");
  if (!figure || !window.fetch || !window.DOMParser) return;
  var seconds = parseInt(figure.getAttribute("data-checkin-refresh"), 10) || 60;
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-checkin-refresh]");
        if (!fresh) return;
        figure.innerHTML = fresh.innerHTML;
        figure.setAttribute("data-checkin-url", fresh.getAttribute("data-checkin-url") || "");
      })
      .catch(function () { /* offline: the code on screen stays until it expires */ });
  }
  window.setInterval(refresh, seconds * 1000);
})();
