// The site's shell: the menu button on phones and the menu's groups (disclosures).
// Loaded in <head> without defer so the "js" class is set before the first paint: without
// JavaScript the menu simply stays open below the header.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (target) target.classList.toggle("open", open);
  }

  function isOpen(button) {
    return button.getAttribute("aria-expanded") === "true";
  }

  function init() {
    var menuButton = document.querySelector("[data-menu-button]");
    var toggles = Array.prototype.slice.call(document.querySelectorAll("[data-nav-toggle]"));

    function closeGroups(except) {
      toggles.forEach(function (toggle) { if (toggle !== except) setOpen(toggle, false); });
    }

    if (menuButton) {
      menuButton.addEventListener("click", function () {
        var open = !isOpen(menuButton);
        setOpen(menuButton, open);
        if (!open) closeGroups(null);
      });
    }
    toggles.forEach(function (toggle) {
      toggle.addEventListener("click", function () {
        var open = !isOpen(toggle);
        closeGroups(toggle);
        setOpen(toggle, open);
      });
    });

    // Escape closes the innermost open part and gives the focus back to its button.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var group = toggles.filter(isOpen)[0];
      if (group) {
        setOpen(group, false);
        group.focus();
      } else if (menuButton && isOpen(menuButton)) {
        setOpen(menuButton, false);
        menuButton.focus();
      }
    });

    // Tabbing out of a group closes it.
    toggles.forEach(function (toggle) {
      var group = toggle.closest("[data-nav-group]");
      if (!group) return;
      group.addEventListener("focusout", function (event) {
        if (event.relatedTarget && !group.contains(event.relatedTarget)) setOpen(toggle, false);
      });
    });

    // A click outside the menu closes its open groups (the drop-downs on a wide screen).
    document.addEventListener("click", function (event) {
      var menu = document.getElementById("site-menu");
      if (menu && !menu.contains(event.target)) closeGroups(null);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
