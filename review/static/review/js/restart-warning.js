// Before an edit during review is saved, the author confirms that it restarts the review and voids
// the signatures so far (the editor's review status panel carries the sentence). A static file:
// the CSP allows no inline script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var warning = document.querySelector("[data-review-restart-warning]");
    var form = warning && warning.closest("form");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      if (!window.confirm(warning.getAttribute("data-review-restart-warning"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
  });
})();
