// Tsunagu web UI: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  // 1. Move focus to a freshly rendered answer or error (live regions carry the text for screen readers).
  function focusNew(root) {
    var target = root.querySelector("[data-focus-on-load]");
    if (target) { target.setAttribute("tabindex", "-1"); target.focus(); }
  }
  // 2. Keep what the user types in textareas marked data-keep (restored after a session expiry / reload).
  function keepTyping(root) {
    root.querySelectorAll("textarea[data-keep]").forEach(function (el) {
      var key = "tsunagu-keep:" + el.getAttribute("data-keep");
      try {
        if (!el.value && sessionStorage.getItem(key)) { el.value = sessionStorage.getItem(key); }
        el.addEventListener("input", function () { sessionStorage.setItem(key, el.value); });
        if (el.form) { el.form.addEventListener("submit", function () { sessionStorage.removeItem(key); }); }
      } catch (e) { /* storage unavailable: nothing to keep */ }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    focusNew(document);
    keepTyping(document);
    chatTurns();
  });
  // Scrolling to a URL fragment (e.g. #outcome after a post/redirect/get) resets the focus to the body in
  // Chromium after the page has loaded: move it to the new message again (focusing scrolls there too).
  window.addEventListener("load", function () {
    if (!location.hash || !document.querySelector("[data-focus-on-load]")) { return; }
    setTimeout(function () {
      if (!document.activeElement || document.activeElement === document.body) { focusNew(document); }
    }, 0);
  });

  // 3. Drafting chat: a turn (a message, or a clicked answer) without a full page reload. The form is
  //    posted with fetch, the post/redirect/get answer (the draft page) is parsed, and the part marked
  //    data-chat-body is swapped in; focus moves to the new answer, the status line says what happened.
  //    Anything unexpected (an error page, an expired session, no fetch) falls back to the plain form post.
  //    GET forms marked the same way (the preview, the version diff) are fetched and swapped alike; focus
  //    then goes to their data-focus-after element (the live counts, the diff table) and the status line
  //    reads their data-done text.
  function chatTurns() {
    var body = document.querySelector("[data-chat-body]");
    if (!body || !window.fetch || !window.DOMParser || !window.FormData) { return; }
    var status = document.getElementById("chat-status");
    function say(text) { if (status) { status.textContent = text; } }
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (!form.matches || !form.matches("form[data-chat-turn]") || form.getAttribute("data-busy")) { return; }
      ev.preventDefault();
      form.setAttribute("data-busy", "1");
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      var data = new FormData(form);
      var isGet = (form.getAttribute("method") || "get").toLowerCase() === "get";
      var stored = null;  // set once the server has taken the message (it answered with a redirect)
      var target = new URL(form.action, location.href);
      if (isGet) { target.search = new URLSearchParams(data).toString(); target.hash = ""; }
      say(isGet ? "表示を更新しています…" : "送信しました。読み取っています…");
      fetch(target.href, isGet ? { credentials: "same-origin", headers: { "Accept": "text/html" } }
                               : { method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
                                   headers: { "Accept": "text/html" } })
        .then(function (res) {
          var url = new URL(res.url);
          if (res.redirected) { stored = url; }
          if (!res.ok || url.pathname !== location.pathname) { throw new Error("fallback"); }
          return res.text().then(function (html) { return { html: html, url: url }; });
        })
        .then(function (r) {
          var doc = new DOMParser().parseFromString(r.html, "text/html");
          var fresh = doc.querySelector("[data-chat-body]");
          if (!fresh) { throw new Error("fallback"); }
          var current = document.querySelector("[data-chat-body]");
          current.replaceWith(document.importNode(fresh, true));
          if (doc.title) { document.title = doc.title; }
          var after = form.getAttribute("data-focus-after");
          var hash = new URL(form.action, location.href).hash || after || "#answer";
          try { history.replaceState(null, "", r.url.pathname + r.url.search + hash); } catch (e) { /* ignore */ }
          var swapped = document.querySelector("[data-chat-body]");
          keepTyping(swapped);
          var version = swapped.getAttribute("data-version");
          var focusTo = after ? swapped.querySelector(after) : null;
          if (focusTo) {
            say(form.getAttribute("data-done") || "");
            focusTo.setAttribute("tabindex", "-1");
            focusTo.focus();
          } else {
            say(version ? "読み取りを表示しました（いまのルール案は第" + version + "版）。" : "読み取りを表示しました。");
            focusNew(swapped);
          }
        })
        .catch(function () {
          say("");
          buttons.forEach(function (b) { b.disabled = false; });
          if (stored) { location.assign(stored.href); return; }  // taken: just show where it led (never post twice)
          if (isGet) { location.assign(target.href); return; }
          HTMLFormElement.prototype.submit.call(form);  // refused or unreachable: the plain post/redirect/get
        });
    });
  }
})();
