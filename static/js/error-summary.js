// After a failed submit, take the reader to the list of problems: screen readers announce it,
// and keyboard users start from it. A link in it puts the cursor in its field, with the field's
// label in view. Without this script the summary is still the first box of the page, and each
// entry still links to its field.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
