/* The investigation form adapts to a valid rating (评级授信): without one (#credit-rating-facts absent) the
 * confirmation is hidden; with one, confirming "nothing has changed" hides the full investigation's fields. */
(function () {
  "use strict";
  var FULL = ["grade", "recommended_amount", "recommended_term_months", "investigation_report"];

  function box(name) {
    var field = document.querySelector("[name=" + name + "]");
    return field ? field.closest("fieldset, .mb-3") : null;
  }

  function apply() {
    var confirm = box("rating_still_valid");
    if (!confirm) { return; }
    if (!document.getElementById("credit-rating-facts")) {
      confirm.hidden = true;
      return;
    }
    var yes = document.querySelector("[name=rating_still_valid][value=yes]");
    var short = Boolean(yes && yes.checked);
    FULL.forEach(function (name) { var item = box(name); if (item) { item.hidden = short; } });
  }

  function start() {
    apply();
    document.addEventListener("change", function (event) {
      if (event.target.name === "rating_still_valid") { apply(); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
