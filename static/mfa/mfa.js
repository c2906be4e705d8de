// Progressive enhancements for the two-factor pages; each page works without them.
(function () {
  "use strict";
  // Copy recovery codes to the clipboard.
  var copy = document.getElementById("copy-recovery-codes");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var text = document.getElementById(copy.dataset.copyTarget).textContent;
      navigator.clipboard.writeText(text).then(function () {
        document.getElementById("copy-status").textContent = "Copied.";
      });
    });
  }
  // After a security key is registered, go where the server says (next page or recovery codes).
  document.addEventListener("otp_webauthn.register_complete", function (event) {
    var data = event.detail && event.detail.response;
    window.location.assign((data && data.redirect_url) || window.location.pathname);
  });
})();
