/* The inbox's "claim selected": a select-all box for the table, and the number ticked on the button.
   The page works without it; the CSP forbids inline scripts. Only visible boxes count: the table
   (wide screens) and the cards (phones) each hold a box per task, one of the two hidden. */
(function () {
  "use strict";

  function visible(box) {
    return box.offsetParent !== null;
  }

  function ticked() {
    return Array.prototype.filter.call(document.querySelectorAll(".inbox-pick"), function (box) {
      return box.checked && visible(box);
    });
  }

  function showCount() {
    var count = document.getElementById("claim-selected-count");
    var button = document.getElementById("claim-selected-button");
    var n = ticked().length;
    if (count) {
      count.textContent = String(n);
      count.hidden = n === 0;
    }
    if (button) {
      button.disabled = n === 0;
    }
  }

  function pickAll(event) {
    document.querySelectorAll("#inbox-table .inbox-pick").forEach(function (box) {
      box.checked = event.target.checked;
    });
    showCount();
  }

  function dropHidden() {
    /* A box ticked before the screen changed width must not claim a task the user no longer sees. */
    document.querySelectorAll(".inbox-pick").forEach(function (box) {
      if (!visible(box)) {
        box.checked = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("inbox-pick-all");
    var form = document.getElementById("claim-selected");
    if (all) {
      all.addEventListener("change", pickAll);
    }
    document.querySelectorAll(".inbox-pick").forEach(function (box) {
      box.addEventListener("change", showCount);
    });
    if (form) {
      form.addEventListener("submit", dropHidden);
    }
    showCount();
  });
})();
