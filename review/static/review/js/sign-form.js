// The sign form offers only the meanings that fit the chosen decision. The server still checks
// the pair; this only spares the signer a refusal. A static file: the CSP allows no inline script.
(function () {
  "use strict";
  function filterMeanings(form) {
    var checked = form.querySelector('input[name="decision"]:checked');
    var select = form.querySelector('select[name="meaning"]');
    if (!select) return;
    var label = checked ? checked.parentElement.textContent.trim() : null;
    var firstEnabled = null;
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var fits = label === null || group.label === label;
      group.hidden = !fits;
      group.disabled = !fits;
      if (fits && !firstEnabled) firstEnabled = group.querySelector("option");
    });
    var selected = select.options[select.selectedIndex];
    if (!selected || selected.parentElement.disabled) {
      if (firstEnabled) firstEnabled.selected = true;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sign-form]"), function (form) {
      form.addEventListener("change", function (event) {
        if (event.target.name === "decision") filterMeanings(form);
      });
      filterMeanings(form);
    });
  });
})();
