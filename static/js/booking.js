// The booking pages work without this; it only moves focus where the client needs it.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  // The error summary takes focus (autofocus does it too; some browsers skip autofocus).
  if (document.activeElement !== summary) {
    summary.focus();
  }
  // Its links put the cursor in the field, not only scroll to it.
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });
})();
