// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Type-ahead: fill the search box's datalist from the suggest API as the rep types.
  var box = document.querySelector("input[data-suggest-url]");
  if (box && window.fetch) {
    var list = document.getElementById(box.getAttribute("list"));
    var timer = null;
    var last = "";
    box.addEventListener("input", function () {
      var q = box.value.trim();
      clearTimeout(timer);
      if (q.length < 2 || q === last) { return; }
      timer = setTimeout(function () {
        last = q;
        fetch(box.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {
          credentials: "same-origin", headers: { "Accept": "application/json" }
        })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) {
            list.textContent = "";
            (data.suggestions || []).forEach(function (s) {
              var option = document.createElement("option");
              option.value = s.text;
              list.appendChild(option);
            });
          })
          .catch(function () { /* type-ahead is optional; searching still works */ });
      }, 150);
    });
  }

  // A send button submits once; the server's send token makes a second submit harmless anyway.
  document.querySelectorAll("button[data-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () {
      setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  // Fit framed approved renderings to their content height.
  document.querySelectorAll("iframe.render").forEach(function (frame) {
    frame.addEventListener("load", function () {
      try {
        var height = frame.contentDocument.documentElement.scrollHeight;
        if (height) { frame.style.height = (height + 24) + "px"; }
      } catch (e) { /* keep the CSS height */ }
    });
  });
})();
