// Tsunagu web UI: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  // 1. Move focus to a freshly rendered answer or error (live regions carry the text for screen readers).
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-focus-on-load]");
    if (target) { target.setAttribute("tabindex", "-1"); target.focus(); }
    // 2. Keep what the user types in textareas marked data-keep (restored after a session expiry / reload).
    document.querySelectorAll("textarea[data-keep]").forEach(function (el) {
      var key = "tsunagu-keep:" + el.getAttribute("data-keep");
      try {
        if (!el.value && sessionStorage.getItem(key)) { el.value = sessionStorage.getItem(key); }
        el.addEventListener("input", function () { sessionStorage.setItem(key, el.value); });
        if (el.form) { el.form.addEventListener("submit", function () { sessionStorage.removeItem(key); }); }
      } catch (e) { /* storage unavailable: nothing to keep */ }
    });
  });
})();
