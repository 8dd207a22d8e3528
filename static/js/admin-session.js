/*
 * The admin's idle limit, announced before it is reached, and what was typed kept meanwhile.
 *
 * The server ends a staff session after its idle limit (SessionLifetimeMiddleware); each page
 * says how long is left (#session-warning's data-idle-left, in seconds). A set time before the
 * end (data-warn-before) an alert says so, with a "Stay signed in" button that posts to
 * accounts:stay_signed_in, which counts the idle time from then on. When the time has run out
 * the alert says that the session has ended.
 *
 * What is typed in the review and note forms of a page (POST forms without an id that have
 * a text area, inside #content-main) is kept in this browser (localStorage), keyed by person
 * and page, and dropped when the form is sent while the session lasts and at sign-out. A form
 * sent after the session has ended keeps its copy, offered back when the page is opened again
 * after signing in, in js/offer-restore.js's box as on the applicants' pages. Without JavaScript
 * nothing of this happens and the pages work as before.
 */
(function () {
  "use strict";

  var region = document.getElementById("session-warning");
  if (!region) return;

  // The offer's box is js/offer-restore.js's, a module beside this script.
  var offerRestoreModule = new URL("offer-restore.js", document.currentScript.src).href;

  var PREFIX = "keep-typed:";
  var SAFETY_MS = 5000; // a form sent this close to the end may arrive after it
  var data = region.dataset;
  var user = data.user || "";
  var warnBefore = Number(data.warnBefore || 120) * 1000;
  var text = document.getElementById("session-warning-text");
  var stayForm = region.querySelector("form");
  var stayButton = stayForm.querySelector("button");
  var signInLink = region.querySelector("a");
  var endsAt = Date.now() + Number(data.idleLeft || 0) * 1000;
  var warnTimer = null;
  var endTimer = null;
  var focusBefore = null;

  function storage() {
    try {
      var probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  var store = storage();
  var SEEN_KEY = "admin-session:ends-at:" + user;

  // First in the page, so that the keyboard reaches the button at once.
  document.body.insertBefore(region, document.body.firstChild);

  function ended() {
    return Date.now() >= endsAt - SAFETY_MS;
  }

  function hide() {
    region.hidden = true;
    text.textContent = "";
    if (focusBefore && document.activeElement === stayButton) focusBefore.focus();
    focusBefore = null;
  }

  function show(message, canStay) {
    stayForm.hidden = !canStay;
    signInLink.hidden = canStay;
    region.hidden = false;
    // Filled once visible, so that screen readers announce it.
    text.textContent = message;
    var active = document.activeElement;
    var typing = active && active !== document.body && active.matches("input, textarea, select, [contenteditable]");
    if (canStay && !typing) {
      focusBefore = active;
      stayButton.focus();
    }
  }

  function schedule(newEndsAt) {
    endsAt = newEndsAt;
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    hide();
    warnTimer = window.setTimeout(function () {
      show(data.warningText, true);
    }, Math.max(0, endsAt - warnBefore - Date.now()));
    endTimer = window.setTimeout(function () {
      show(data.endedText, false);
    }, Math.max(0, endsAt - Date.now()));
    if (store) store.setItem(SEEN_KEY, String(endsAt));
  }

  // Another tab of the same person used the session: the time counts from there.
  window.addEventListener("storage", function (event) {
    if (event.key !== SEEN_KEY || !event.newValue) return;
    var other = Number(event.newValue);
    if (other > endsAt) {
      endsAt = other;
      schedule(other);
    }
  });

  stayForm.addEventListener("submit", function (event) {
    event.preventDefault();
    stayButton.disabled = true;
    window
      .fetch(stayForm.action, {
        method: "POST",
        body: new FormData(stayForm),
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        schedule(Date.now() + Number(answer.idle_seconds_left) * 1000);
      })
      .catch(function () {
        show(ended() ? data.endedText : data.failedText, false);
      })
      .then(function () {
        stayButton.disabled = false;
      });
  });

  // Sign-out drops every copy kept in this browser.
  var logout = document.getElementById("logout-form");
  if (logout) {
    logout.addEventListener("submit", function () {
      if (!store) return;
      Object.keys(store)
        .filter(function (key) { return key.indexOf(PREFIX) === 0; })
        .forEach(function (key) { store.removeItem(key); });
    });
  }

  schedule(endsAt);

  if (!store) return;

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.name === "csrfmiddlewaretoken") return false;
      return ["hidden", "file", "submit", "button", "reset", "password", "checkbox", "radio"].indexOf(field.type) === -1;
    });
  }

  function valuesOf(form) {
    var values = {};
    fields(form).forEach(function (field) { values[field.name] = field.value; });
    return values;
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  var forms = Array.prototype.filter.call(
    document.querySelectorAll("#content-main form:not([id])"),
    function (form) {
      return (form.getAttribute("method") || "").toLowerCase() === "post" && form.querySelector("textarea");
    }
  );

  forms.forEach(function (form) {
    var key = PREFIX + "admin:" + user + ":" + window.location.pathname + ":" + form.getAttribute("action");
    var initial = valuesOf(form);

    function keep() {
      var values = valuesOf(form);
      if (same(values, initial)) {
        store.removeItem(key);
      } else {
        store.setItem(key, JSON.stringify({ at: Date.now(), values: values }));
      }
    }

    function offer(saved) {
      import(offerRestoreModule).then(function (module) {
        module.offerRestore({
          form: form,
          message: data.keepTypedOffer,
          at: saved.at,
          restore: data.keepTypedRestore,
          discard: data.keepTypedDiscard,
          classes: { box: "keep-typed-offer", restore: "button", discard: "button" },
          spaced: true,
          onRestore: function () {
            fields(form).forEach(function (field) {
              if (field.name in saved.values) field.value = saved.values[field.name];
            });
            keep();
          },
          onDiscard: function () { store.removeItem(key); },
          firstField: function () { return fields(form)[0]; },
        });
        // A form folded away is opened, so that the offer is seen.
        for (var parent = form.parentNode; parent; parent = parent.parentNode) {
          if (parent.tagName === "DETAILS") parent.open = true;
        }
      });
    }

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

    var timer = null;
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(keep, 300);
    });
    form.addEventListener("change", keep);
    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
      // Sent after the session ended, the form comes back as a sign-in page: the copy stays.
      if (ended()) keep();
      else store.removeItem(key);
    });
  });
})();
