// The API Access page's copy button: copies the new key shown once in #new-api-key.
// Loaded as a file (no inline script), so a Content-Security-Policy of script-src 'self' holds.
(function () {
  "use strict";
  var button = document.getElementById("copy-api-key");
  var field = document.getElementById("new-api-key");
  var status = document.getElementById("copy-api-key-status");
  if (!button || !field) {
    return;
  }
  function done(text) {
    if (status) {
      status.textContent = text;
    }
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var key = field.value;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(key).then(
        function () { done("Copied."); },
        function () { field.select(); done("Press Ctrl+C to copy."); }
      );
      return;
    }
    field.select();
    done(document.execCommand && document.execCommand("copy") ? "Copied." : "Press Ctrl+C to copy.");
  });
})();
