// The booking pages work without this; it only saves a step or two.
(function () {
  "use strict";
  // The error summary takes focus (autofocus does it too; some browsers skip autofocus).
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
  // Choosing a therapist shows their times at once, without the "Show times" button.
  var filters = document.querySelectorAll("select[data-submit-on-change]");
  Array.prototype.forEach.call(filters, function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
