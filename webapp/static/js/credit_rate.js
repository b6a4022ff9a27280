/* The bulk rating page: rows are saved as the officer goes (one JSON request for every row changed
 * since the last one), Enter moves to the same field of the next row, and choosing a grade fills in
 * its credit line from the credit-line table (config from #rating-config; the CSP forbids inline scripts). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("rating-config").textContent);
  var table = document.getElementById("rating-rows");
  var stateLine = document.getElementById("save-state");
  var csrf = document.querySelector("input[name=csrf_token]");
  var dirty = new Map();
  var timer = null;
  var sending = false;

  function rowOf(element) { return element.closest("tr[data-household]"); }

  function rowData(row) {
    return {
      household_id: Number(row.dataset.household),
      grade: row.querySelector("[name=grade]").value,
      credit_line: row.querySelector("[name=credit_line]").value.trim(),
      valid_until: row.querySelector("[name=valid_until]").value || null
    };
  }

  function show(row, text, bad) {
    var cell = row.querySelector("[data-state]");
    cell.textContent = text;
    cell.className = "small " + (bad ? "text-danger" : "text-success");
    row.dataset.saved = bad ? "refused" : "saved";
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(flush, 400);
  }

  function flush() {
    if (sending || dirty.size === 0) { return; }
    var rows = Array.from(dirty.values());
    dirty.clear();
    sending = true;
    stateLine.textContent = config.saving;
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (csrf) { headers["X-CSRFToken"] = csrf.value; }
    fetch(config.save_url, { method: "POST", headers: headers, credentials: "same-origin",
                             body: JSON.stringify({ rows: rows.map(rowData) }) })
      .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
      .then(function (pair) {
        var body = pair[1];
        if (!pair[0].ok) {
          rows.forEach(function (row) { show(row, (body.codes || []).map(message).join("; ") || body.message, true); });
        } else {
          body.saved.forEach(function (item) { show(find(item.household_id), config.saved, false); });
          body.refused.forEach(function (item) { show(find(item.household_id), item.codes.map(message).join("; "), true); });
        }
        stateLine.textContent = config.saved;
      })
      .catch(function () { rows.forEach(function (row) { dirty.set(row.dataset.household, row); }); })
      .finally(function () { sending = false; if (dirty.size) { schedule(); } });
  }

  function message(code) { return config.messages[code] || code; }
  function find(id) { return table.querySelector('tr[data-household="' + id + '"]'); }

  function complete(row) {
    var data = rowData(row);
    return data.grade !== "" && data.credit_line !== "";
  }

  table.addEventListener("change", function (event) {
    var row = rowOf(event.target);
    if (!row) { return; }
    if (event.target.name === "grade" && config.lines[event.target.value] !== undefined) {
      row.querySelector("[name=credit_line]").value = config.lines[event.target.value];
    }
    if (complete(row)) {
      row.dataset.saved = "pending";
      dirty.set(row.dataset.household, row);
      schedule();
    }
  });

  table.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    var row = rowOf(event.target);
    var next = row && row.nextElementSibling;
    event.preventDefault();
    event.target.dispatchEvent(new Event("change", { bubbles: true }));
    if (next) {
      var field = next.querySelector("[name=" + event.target.name + "]");
      if (field) { field.focus(); }
    }
  });

  window.addEventListener("beforeunload", flush);
}());
