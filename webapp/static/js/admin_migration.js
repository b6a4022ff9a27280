/*
 * The migration page (流程实例迁移): "Migrate" moves only the ticked loans. It stays disabled while
 * none is ticked, shows how many are, and asks for confirmation with the count (the server refuses
 * an empty selection too: rule code migration_nothing_chosen). #pick-all ticks every listed loan.
 */
(function () {
  'use strict';

  function start() {
    var form = document.getElementById('migration-form');
    if (!form) { return; }
    var button = form.querySelector('#migrate');
    var counter = document.getElementById('picked-count');
    var all = document.getElementById('pick-all');
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="instance_ids"]'));

    function ticked() { return boxes.filter(function (box) { return box.checked; }).length; }

    function refresh() {
      var count = ticked();
      if (button) { button.disabled = count === 0; }
      if (counter) { counter.textContent = counter.getAttribute('data-template').replace('{count}', String(count)); }
      if (all) {
        all.checked = count > 0 && count === boxes.length;
        all.indeterminate = count > 0 && count < boxes.length;
      }
    }

    boxes.forEach(function (box) { box.addEventListener('change', refresh); });
    if (all) {
      all.addEventListener('change', function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
        refresh();
      });
    }
    if (button) {
      button.addEventListener('click', function (event) {
        var count = ticked();
        var question = (button.getAttribute('data-confirm') || '').replace('%(count)s', String(count));
        if (count === 0 || !window.confirm(question)) { event.preventDefault(); }
      });
    }
    refresh();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
