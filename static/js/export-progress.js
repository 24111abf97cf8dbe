// An export's page follows its progress without a meta refresh: it polls the export's status
// (JSON) every two seconds while it runs, once a minute while no worker runs (and backs off on a
// network error), and updates the live region, the <progress> bar, then shows the download link
// or the error. Without JavaScript the page keeps its "Refresh" link.
(function () {
  "use strict";

  var box = document.querySelector("[data-export-progress]");
  if (!box || !window.fetch) return;
  var RUNNING_MS = 2000;
  var WAITING_MS = 60000;
  var MAX_MS = 60000;

  function part(name) { return box.querySelector("[data-export-" + name + "]"); }
  function show(name, visible) { var el = part(name); if (el) el.hidden = !visible; }

  var refresh = part("refresh");
  if (refresh) refresh.hidden = true;

  function update(state) {
    var running = state.status === "queued" || state.status === "running";
    var label = part("label");
    if (label && label.textContent !== state.label) label.textContent = state.label;
    var count = part("count");
    var countText = state.progress ? " — " + state.progress : "";
    if (count && count.textContent !== countText) count.textContent = countText;
    var bar = part("bar");
    if (bar) { bar.value = state.percent; bar.textContent = state.percent + " %"; }
    show("help-waiting", running && state.waiting);
    show("help-running", running && !state.waiting);
    if (state.status === "done" && state.download_url) {
      var link = part("download").querySelector("a");
      link.href = state.download_url;
      link.textContent = state.download_label;
      show("download", true);
    }
    if (state.status === "failed") {
      part("error").textContent = state.error;
      show("failed", true);
    }
    return running;
  }

  function poll(delay) {
    setTimeout(function () {
      fetch(box.dataset.exportProgress, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (state) {
          if (update(state)) poll(state.waiting ? WAITING_MS : RUNNING_MS);
        })
        .catch(function () {
          if (refresh) refresh.hidden = false;
          poll(Math.min(delay * 2, MAX_MS));
        });
    }, delay);
  }

  if (box.hasAttribute("data-export-running")) {
    poll(box.hasAttribute("data-export-waiting") ? WAITING_MS : RUNNING_MS);
  }
})();
