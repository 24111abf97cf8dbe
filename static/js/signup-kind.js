// The sign-up form shows the identity numbers of the kind of member chosen: SIREN, SIRET and VAT for
// a business, RNA for an association (inputs marked data-for-kind). Without JavaScript every field
// stays visible and the server ignores the numbers of another kind.
(function () {
  "use strict";

  var form = document.querySelector("[data-signup-form]");
  if (!form) return;
  var kinds = form.querySelectorAll("input[name=kind]");
  var numbers = form.querySelectorAll("[data-for-kind]");

  function update() {
    var chosen = form.querySelector("input[name=kind]:checked");
    var kind = chosen ? chosen.value : "";
    numbers.forEach(function (input) {
      var field = input.closest(".field") || input.parentNode;
      field.hidden = input.getAttribute("data-for-kind") !== kind;
    });
  }

  kinds.forEach(function (input) { input.addEventListener("change", update); });
  update();
})();
