/*
 * The offer to give back what was typed in a form and kept in this browser: a box before the
 * form ("Restore them" / "Discard them") saying when the copy was kept. Built here only; used
 * by js/keep-typed.js (the applicants' forms) and js/admin-session.js (the admin's review and
 * note forms), which keep the copies and say what each button does.
 *
 * A module: those scripts import() it from beside themselves when there is a copy to offer,
 * so that no page needs a script tag of its own for it.
 *
 * offerRestore(options) puts the box before options.form and returns it. Options:
 *   form       the form whose copy is offered
 *   message    the text, with "%(time)s" where the time the copy was kept goes
 *   at         that time (milliseconds since the epoch)
 *   restore    the label of the button that gives the copy back
 *   discard    the label of the button that drops it
 *   classes    {box, message, restore, discard}: the class names of each part
 *   spaced     true to put a space between the two buttons (when no class spaces them)
 *   onRestore  called on "Restore", before the box goes
 *   onDiscard  called on "Discard", before the box goes
 *   firstField returns the form's first field, which has the focus once the box has gone
 */
function timeText(stamp) {
  try {
    return new Date(stamp).toLocaleString(document.documentElement.lang || undefined, {
      dateStyle: "long",
      timeStyle: "short",
    });
  } catch (error) {
    return new Date(stamp).toLocaleString();
  }
}

function button(label, className) {
  var element = document.createElement("button");
  element.type = "button";
  element.className = className || "";
  element.textContent = label;
  return element;
}

export function offerRestore(options) {
  var classes = options.classes || {};
  var box = document.createElement("div");
  box.className = classes.box || "";
  box.setAttribute("role", "status");
  var message = document.createElement("p");
  if (classes.message) message.className = classes.message;
  message.textContent = options.message.replace("%(time)s", timeText(options.at));
  var restore = button(options.restore, classes.restore);
  var discard = button(options.discard, classes.discard);
  box.appendChild(message);
  box.appendChild(restore);
  if (options.spaced) box.appendChild(document.createTextNode(" "));
  box.appendChild(discard);
  options.form.parentNode.insertBefore(box, options.form);

  function done() {
    box.remove();
    var first = options.firstField();
    if (first) first.focus();
  }

  restore.addEventListener("click", function () {
    options.onRestore();
    done();
  });
  discard.addEventListener("click", function () {
    options.onDiscard();
    done();
  });
  return box;
}
