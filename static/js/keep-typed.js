/*
 * Nothing typed is lost by leaving a page.
 *
 * A form marked data-keep-typed="<key>" keeps what is typed in it, as it is typed, in this
 * browser (localStorage), until the form is sent. Coming back to the page with such a copy
 * offers it back ("Restore" / "Discard"), and leaving the page with changes not yet sent
 * asks first. Files cannot be kept: the browser forgets a chosen file.
 *
 * The offer's box is js/offer-restore.js's, as on the admin's pages.
 *
 * Without JavaScript the form works as before. The copy is bound to the person
 * (data-keep-typed-owner) and every copy is dropped at sign-out, so that the next person on a
 * shared computer does not find it.
 */
(function () {
  "use strict";

  var PREFIX = "keep-typed:";
  var forms = document.querySelectorAll("form[data-keep-typed]");

  // The offer's box is js/offer-restore.js's, a module beside this script.
  var offerRestoreModule = new URL("offer-restore.js", document.currentScript.src).href;

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // private mode, or storage refused: the warning on leaving still works
    }
  }

  var store = storage();
  var signingOut = false;

  // Sign-out drops every kept copy of this browser.
  document.querySelectorAll("form[data-sign-out], form[action$='/sign-out/']").forEach(function (form) {
    form.addEventListener("submit", function () {
      signingOut = true;
      if (!store) return;
      Object.keys(store)
        .filter(function (key) { return key.indexOf(PREFIX) === 0; })
        .forEach(function (key) { store.removeItem(key); });
    });
  });

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      if (!field.name || field.disabled) return false;
      if (field.name === "csrfmiddlewaretoken") return false;
      return ["hidden", "file", "submit", "button", "reset", "password"].indexOf(field.type) === -1;
    });
  }

  function valuesOf(form) {
    var values = {};
    fields(form).forEach(function (field) {
      var key = field.name;
      if (field.type === "checkbox" || field.type === "radio") {
        values[key] = values[key] || [];
        if (field.checked) values[key].push(field.value);
      } else if (field.multiple) {
        values[key] = Array.prototype.filter
          .call(field.options, function (option) { return option.selected; })
          .map(function (option) { return option.value; });
      } else {
        values[key] = field.value;
      }
    });
    return values;
  }

  function apply(form, values) {
    fields(form).forEach(function (field) {
      if (!(field.name in values)) return;
      var value = values[field.name];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = value.indexOf(field.value) !== -1;
      } else if (field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = value.indexOf(option.value) !== -1;
        });
      } else {
        field.value = value;
      }
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  forms.forEach(function (form) {
    var key = PREFIX + (form.dataset.keepTypedOwner || "") + ":" + form.dataset.keepTyped;
    var initial = valuesOf(form);
    var sending = false;

    function changed() {
      return !same(valuesOf(form), initial);
    }

    function keep() {
      // After sign-out is asked for, nothing is kept again (a pending save included).
      if (!store || signingOut) return;
      if (changed()) {
        store.setItem(key, JSON.stringify({ at: Date.now(), values: valuesOf(form) }));
      } else {
        store.removeItem(key);
      }
    }

    function offer(saved) {
      import(offerRestoreModule).then(function (module) {
        module.offerRestore({
          form: form,
          message: form.dataset.keepTypedOffer,
          at: saved.at,
          restore: form.dataset.keepTypedRestore,
          discard: form.dataset.keepTypedDiscard,
          classes: {
            box: "alert alert-warning keep-typed-offer",
            message: "mb-2",
            restore: "btn btn-sm btn-primary me-2",
            discard: "btn btn-sm btn-outline-dark",
          },
          onRestore: function () { apply(form, saved.values); },
          onDiscard: function () { store.removeItem(key); },
          firstField: function () { return fields(form)[0]; },
        });
      });
    }

    if (store) {
      var saved = null;
      try {
        saved = JSON.parse(store.getItem(key) || "null");
      } catch (error) {
        store.removeItem(key);
      }
      if (saved && saved.values && !same(saved.values, initial)) {
        offer(saved);
      } else if (saved) {
        store.removeItem(key);
      }
    }

    var timer = null;
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(keep, 300);
    });
    form.addEventListener("change", keep);

    form.addEventListener("submit", function (event) {
      sending = true;
      if (!store) return;
      // A button that posts elsewhere (removing a document) does not save what was typed:
      // the copy stays, to be offered back.
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("formaction")) {
        keep();
      } else {
        store.removeItem(key);
      }
    });

    window.addEventListener("beforeunload", function (event) {
      if (sending || !changed()) return;
      keep();
      event.preventDefault();
      event.returnValue = ""; // the browser shows its own words
    });
  });
})();
