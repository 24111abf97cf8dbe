// The member picker (core.picker.PickerWidget): the ARIA 1.2 combobox pattern over a JSON search
// endpoint ({"results": [{"id", "name", "commune"}]}). Typing asks the server (2 letters at least),
// Up/Down move through the options, Enter chooses, Escape closes (then clears). The chosen id
// goes to the hidden input <name>_id; typing again forgets it, and the server reads the text.
(function () {
  "use strict";

  var DELAY_MS = 200;

  function setup(box) {
    var input = box.querySelector("[role=combobox]");
    var hidden = box.querySelector("[data-combobox-id]");
    var listbox = box.querySelector("[role=listbox]");
    var status = box.querySelector("[data-combobox-status]");
    var minChars = parseInt(box.dataset.minChars || "2", 10);
    var options = [];
    var active = -1;
    var timer = null;
    var pending = null;
    var serial = 0;

    function announce(count) {
      var text = count === 0 ? box.dataset.resultsNone
        : count === 1 ? box.dataset.resultsOne
        : box.dataset.resultsOther.replace("{n}", String(count));
      status.textContent = text;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!options.length) return;
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var option = options[index];
      if (!option) return;
      input.value = option.dataset.name;
      hidden.value = option.dataset.id;
      close();
    }

    function render(results) {
      listbox.textContent = "";
      options = results.map(function (result, i) {
        var option = document.createElement("span");
        option.id = listbox.id + "_" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "combobox-option";
        option.dataset.id = String(result.id);
        option.dataset.name = result.name;
        var name = document.createElement("span");
        name.className = "combobox-name";
        name.textContent = result.name;
        option.appendChild(name);
        if (result.commune) {
          var commune = document.createElement("span");
          commune.className = "combobox-commune";
          commune.textContent = result.commune;
          option.appendChild(document.createTextNode(" "));
          option.appendChild(commune);
        }
        // mousedown, not click: the input keeps the focus (no blur closing the list first).
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        listbox.appendChild(option);
        return option;
      });
      active = -1;
      announce(options.length);
      if (options.length) open(); else close();
    }

    function search() {
      var query = input.value.trim();
      if (query.length < minChars) {
        options = [];
        listbox.textContent = "";
        status.textContent = "";
        close();
        return;
      }
      var url = new URL(box.dataset.searchUrl, window.location.href);
      url.searchParams.set("q", query);
      if (pending) pending.abort();
      pending = new AbortController();
      var mine = ++serial;
      fetch(url.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          if (mine === serial) render(data.results || []);
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          status.textContent = box.dataset.resultsError;
        });
    }

    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !listbox.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!options.length) return;
          if (!expanded) open();
          highlight(active + 1 >= options.length ? 0 : active + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!options.length) return;
          if (!expanded) open();
          highlight(active <= 0 ? options.length - 1 : active - 1);
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault(); // choose, don't send the form yet
            choose(active);
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            hidden.value = "";
          }
          break;
        case "Tab":
          close();
          break;
      }
    });

    input.addEventListener("blur", function () { close(); });
  }

  document.querySelectorAll("[data-combobox]").forEach(setup);
})();
