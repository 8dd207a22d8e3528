// The message a step leaves ("… is on the list.", or why it was refused) is part of the page
// the step redirects to, and a live region that is there from the start is not read out by
// most screen readers. So the messages are put back into their region a moment after the page
// loads: now they are a change, and are announced. Focus stays where the page put it (the row
// acted on, when the address names it). Without this script the messages are still the first
// thing in the main content.
(function () {
  "use strict";
  var regions = document.querySelectorAll("[data-announce]");
  regions.forEach(function (region) {
    var messages = Array.prototype.slice.call(region.children);
    messages.forEach(function (message) {
      region.removeChild(message);
    });
    window.setTimeout(function () {
      messages.forEach(function (message) {
        region.appendChild(message);
      });
    }, 250);
  });
})();
