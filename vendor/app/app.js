// AdvisoryHub's one small script: it only enhances pages that work without it.
// htmx itself is configured by the <meta name="htmx-config"> element.
(function () {
  "use strict";
  // Unsafe htmx requests carry the session's CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });
  // Busy state for assistive technology while a request is in flight.
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.elt.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.elt.removeAttribute("aria-busy");
    var status = document.getElementById("htmx-status");
    if (status && event.detail.successful && event.detail.requestConfig.verb !== "get") {
      status.textContent = status.dataset.doneText || "Done.";
    }
  });
  // A mention suggestion, clicked, completes the "@…" being typed.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-mention]") : null;
    var area = document.getElementById("comment-body");
    if (!button || !area) {
      return;
    }
    var handle = button.getAttribute("data-mention");
    area.value = area.value.replace(/@[A-Za-z0-9_.+@-]*$/, "@" + handle + " ");
    area.focus();
    var box = document.getElementById("mention-suggestions");
    if (box) {
      box.textContent = "";
    }
  });
})();
