/* The site's only script, all optional: pages work without it.
   - moves focus to a form's error summary after a failed submit;
   - shows "Copy" buttons beside copyable text (the pip line, tokens, hashes);
   - shows event times in the reader's own time zone. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();

    if (navigator.clipboard) {
      document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var target = document.getElementById(button.dataset.copyTarget);
          var status = document.getElementById(button.dataset.copyStatus || "");
          navigator.clipboard.writeText(target.textContent.trim()).then(function () {
            if (status) status.textContent = button.dataset.copiedText || "Copied.";
          }, function () {
            if (status) status.textContent = button.dataset.failedText || "Copying failed: select the text and copy it by hand.";
          });
        });
      });
    }

    if (window.Intl && Intl.DateTimeFormat) {
      var lang = document.documentElement.lang || undefined;
      var format = new Intl.DateTimeFormat(lang, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
      document.querySelectorAll("time[data-local]").forEach(function (element) {
        var when = new Date(element.getAttribute("datetime"));
        if (!isNaN(when)) element.textContent = format.format(when);
      });
    }
  });
})();
