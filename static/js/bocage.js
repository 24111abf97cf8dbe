// Bocage's few page behaviours, driven by data- attributes: no inline script, so the
// Content-Security-Policy can forbid every script that is not a file of this site.
(function () {
  "use strict";

  // An amount as core.amounts reads it, durations included ("1 h 30", "1:30", "45 min" in hours).
  function parseAmount(text) {
    var compact = String(text).replace(/\s/g, "");
    var duration = /^(\d+)(?:[hH:](\d{1,2})?(?:min|mn|m)?|(min|mn|m))$/.exec(compact);
    if (duration) {
      return duration[3] ? parseInt(duration[1], 10) / 60 : parseInt(duration[1], 10) + parseInt(duration[2] || "0", 10) / 60;
    }
    return parseFloat(compact.replace(",", "."));
  }

  // <form data-busy="#button-id" [data-busy-disable]>: the button says it is being handled.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = document.querySelector(form.dataset.busy);
      if (!button) return;
      button.setAttribute("aria-busy", "true");
      if (form.hasAttribute("data-busy-disable")) button.disabled = true;
    });
  });

  // <select data-autosubmit>: choosing submits its form (the language menu).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // <button data-print>: prints the page (receipts, the day's report).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // <… data-reload-after="5000">: reloads the page after that many milliseconds.
  var reloader = document.querySelector("[data-reload-after]");
  if (reloader) {
    setTimeout(function () { window.location.reload(); }, parseInt(reloader.dataset.reloadAfter, 10));
  }

  // <input type=radio data-minimum="…" data-raises="#id_amount">: choosing a reward raises the
  // amount to its minimum (never lowers it).
  document.querySelectorAll("input[data-minimum][data-raises]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var amount = document.querySelector(radio.dataset.raises);
      if (amount && !(parseAmount(amount.value) >= parseAmount(radio.dataset.minimum))) {
        amount.value = radio.dataset.minimum;
      }
    });
  });

  // <form data-total="#output-id">: a share subscription's total (nominal in cents × quantity).
  document.querySelectorAll("form[data-total]").forEach(function (form) {
    var out = document.querySelector(form.dataset.total);
    if (!out) return;
    var money = new Intl.NumberFormat(document.documentElement.lang || "fr", {style: "currency", currency: "EUR"});
    function update() {
      var chosen = form.querySelector("input[name=share_class]:checked");
      var count = parseInt(form.elements.quantity.value, 10);
      out.textContent = chosen && count > 0 ? money.format(chosen.dataset.nominal * count / 100) : "—";
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  });

  // <… data-width="42">: a bar's length in percent, set through the CSSOM (a style attribute
  // would need 'unsafe-inline'); data-left likewise for a mark on it.
  document.querySelectorAll("[data-width]").forEach(function (bar) { bar.style.width = bar.dataset.width + "%"; });
  document.querySelectorAll("[data-left]").forEach(function (mark) { mark.style.left = mark.dataset.left + "%"; });
})();
