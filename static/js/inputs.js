// The amount inputs (core.amounts.AmountInput): where the unit is chosen in another field (the
// Pay page's unit list), the unit shown beside the amount follows that choice.
(function () {
  "use strict";
  document.querySelectorAll("[data-unit-from]").forEach(function (suffix) {
    var input = suffix.parentNode.querySelector("input");
    var select = input && input.form ? input.form.elements[suffix.dataset.unitFrom] : null;
    if (!select) return;
    var labels = {};
    try { labels = JSON.parse(suffix.dataset.unitLabels || "{}"); } catch (e) { labels = {}; }
    function update() {
      var code = select.value;
      suffix.textContent = labels[code] || code;
    }
    select.addEventListener("change", update);
    update();
  });
})();
