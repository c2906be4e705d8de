// The "Copy token" button of the page that shows a new API token once.
// Served as a file so the Content-Security-Policy can forbid inline scripts.
(function () {
  var button = document.getElementById("copy-token");
  if (!button || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = document.getElementById(button.dataset.copyTarget).textContent;
    navigator.clipboard.writeText(text).then(function () {
      document.getElementById("copy-status").textContent = "Copied.";
    }, function () {
      document.getElementById("copy-status").textContent = "Copying failed: select the token and copy it by hand.";
    });
  });
})();
