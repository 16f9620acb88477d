// Live refresh for the console (our own script; the pages work without it).
// The page names a small JSON endpoint and the stamp it was rendered at; every few seconds the
// script asks for the current stamp and, when it moved, fetches the page again and swaps the
// parts marked data-live (the reply box being typed in is never replaced).
(function () {
  "use strict";
  // "Copy" next to a value shown once (a new API key, a sign-in link, a secret)
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) { return; }
      field.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).catch(function () { document.execCommand("copy"); });
      } else {
        document.execCommand("copy");
      }
      button.setAttribute("data-copied", "true");
    });
  });
  var body = document.body;
  var pollUrl = body.getAttribute("data-poll");
  if (!pollUrl) { return; }
  var stamp = body.getAttribute("data-stamp");
  var every = parseInt(body.getAttribute("data-poll-ms"), 10) || 3000;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live]").forEach(function (old) {
      var next = fresh.getElementById(old.id);
      if (next) { old.replaceWith(document.importNode(next, true)); }
    });
    var freshBody = fresh.body;
    if (freshBody && freshBody.getAttribute("data-stamp")) {
      stamp = freshBody.getAttribute("data-stamp");
    }
  }

  function tick() {
    fetch(pollUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || data.stamp === stamp) { return null; }
        stamp = data.stamp;
        return fetch(window.location.href, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html) { swap(html); } });
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { window.setTimeout(tick, every); });
  }
  window.setTimeout(tick, every);
})();
