// Counts the words of the reason for participation as the applicant types.
// The limit is always enforced on the server; this only helps.
(function () {
  "use strict";
  var field = document.getElementById("id_reason");
  var output = document.getElementById("id_reason_count");
  if (!field || !output) {
    return;
  }
  var limit = parseInt(field.getAttribute("data-word-limit"), 10);
  var template = output.getAttribute("data-template") || "%(count)s / %(limit)s";
  function update() {
    var words = field.value.trim() ? field.value.trim().split(/\s+/).length : 0;
    output.textContent = template.replace("%(count)s", words).replace("%(limit)s", limit);
    output.classList.toggle("text-danger", words > limit);
  }
  field.addEventListener("input", update);
  update();
})();
