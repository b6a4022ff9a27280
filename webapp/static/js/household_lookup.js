/* 户查询 on the registration page: the resident-ID field is a combobox (WAI-ARIA 1.2 pattern).
   Typing a name or the last digits of an ID asks /applications/households (the clerk's township
   only) and lists the matches; Down/Up move, Enter or a click picks, Escape closes. A pick puts the
   masked ID in the field and the household's id in the hidden household_id; editing the field
   again drops the pick. Without the script the field takes a full ID as before. */
(function () {
  "use strict";

  var input = document.getElementById("id_number");
  var hidden = document.getElementById("household_id");
  var form = document.getElementById("registration");  /* carries the look-up's URL and words */
  if (!input || !hidden || !form || !form.dataset.lookupUrl) {
    return;
  }
  var list = document.createElement("ul");
  var status = document.createElement("div");
  var items = [];
  var active = -1;
  var chosen = hidden.value ? input.value : null;
  var timer = null;
  var asked = 0;

  list.id = "household-lookup-list";
  list.className = "list-group household-lookup-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.dataset.lookupLabel || "");
  list.hidden = true;
  status.id = "household-lookup-status";
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  input.insertAdjacentElement("afterend", list);
  list.insertAdjacentElement("afterend", status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");

  function close() {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function mark(index) {
    active = index;
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
      li.classList.toggle("active", i === index);
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(index) {
    var item = items[index];
    if (!item) {
      return;
    }
    hidden.value = String(item.id);
    input.value = item.id_number;
    chosen = item.id_number;
    status.textContent = item.name + " " + item.id_number;
    close();
  }

  function show(found) {
    items = found;
    list.textContent = "";
    found.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "household-option-" + item.id;
      li.className = "list-group-item list-group-item-action";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.householdId = String(item.id);
      li.textContent = item.name + " · " + item.id_number + (item.village ? " · " + item.village : "");
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        pick(i);
      });
      list.appendChild(li);
    });
    status.textContent = (form.dataset.lookupCount || "%d").replace("%d", String(found.length));
    if (found.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(-1);
    } else {
      close();
    }
  }

  function ask() {
    var text = input.value.trim();
    var mine = ++asked;
    if (!text) {
      show([]);
      return;
    }
    fetch(form.dataset.lookupUrl + "?q=" + encodeURIComponent(text), {
      headers: {Accept: "application/json"}, credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.json() : {items: []};
    }).then(function (body) {
      if (mine === asked) {
        show(body.items || []);
      }
    }).catch(function () {
      if (mine === asked) {
        show([]);
      }
    });
  }

  input.addEventListener("input", function () {
    if (chosen !== null && input.value !== chosen) {
      hidden.value = "";
      chosen = null;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 200);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      if (list.hidden) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      mark(Math.min(active + 1, items.length - 1));
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      mark(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", close);
}());
