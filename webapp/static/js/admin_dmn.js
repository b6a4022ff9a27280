/*
 * The admin decision-table editor: dmn-js's modeler (global DmnJS) on one DMN file of a draft,
 * saved into the same draft as the diagrams (the whole set of sources, with this file replaced).
 *
 * Configuration: the JSON in data-config of #modeler-config (no inline script; CSP):
 *   {file, sources, revision, problems, urls: {save, validate}, csrf, messages}.
 * State for tests: #dmn-modeler gets data-state="ready" after import, data-revision after each save.
 * Cells are Python expressions (SpiffWorkflow evaluates DMN cells as Python, not FEEL).
 */
(function () {
  'use strict';

  var config, modeler, container, edits;  // edits: window.DraftEdits (admin_draft_edits.js)

  function byId(id) { return document.getElementById(id); }

  function text(key) { return (config.messages && config.messages[key]) || key; }

  function showStatus(message, kind) {
    var box = byId('modeler-status');
    box.className = 'alert alert-' + (kind || 'info');
    box.textContent = message;
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': config.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function currentSources() {  // every file: this one as edited, the others with their kept edits
    return edits.sources();
  }

  /* Dirty the moment a table (or the requirements diagram) changes: each view has its own command stack. */
  var watched = [];
  function watchActiveViewer() {
    var viewer = modeler.getActiveViewer();
    if (!viewer || watched.indexOf(viewer) >= 0) { return; }
    watched.push(viewer);
    viewer.get('eventBus').on('commandStack.changed', function () { edits.changed(); });
  }

  function showProblems(problems) {
    var list = byId('problem-list');
    list.innerHTML = '';
    Object.keys(problems || {}).forEach(function (id) {
      (problems[id] || []).forEach(function (message) {
        var item = document.createElement('li');
        var code = document.createElement('code');
        code.textContent = id;
        item.appendChild(code);
        item.appendChild(document.createTextNode(': ' + message));
        list.appendChild(item);
      });
    });
    byId('problems').hidden = list.children.length === 0;
  }

  function save() {
    return currentSources().then(function (sources) {
      return post(config.urls.save, { sources: sources, revision: config.revision }).then(function (answer) {
        if (answer.status === 200) {
          edits.saved(sources);
          config.revision = answer.data.revision;
          container.setAttribute('data-revision', String(config.revision));
          showStatus(answer.data.unchanged ? text('unchanged') : text('saved') + ' ' + config.revision, 'success');
        } else {
          showProblems(answer.data.problems);
          showStatus(answer.data.message || text('failed'), 'danger');
        }
        return answer;
      });
    });
  }

  /* Deploying with unsaved edits saves them first (the deploy takes the draft as stored). */
  function bindDeploy() {
    var deploy = byId('deploy-form');
    if (!deploy) { return; }
    deploy.addEventListener('submit', function (event) {
      edits.leaving = true;
      if (!edits.dirty) { return; }
      event.preventDefault();
      save().then(function (answer) {
        if (answer.status === 200) { deploy.submit(); } else { edits.leaving = false; }
      });
    });
  }

  function validate() {
    return currentSources().then(function (sources) {
      return post(config.urls.validate, { sources: sources }).then(function (answer) {
        var problems = answer.data.problems || {};
        showProblems(problems);
        showStatus(Object.keys(problems).length ? text('invalid') : text('valid'),
                   Object.keys(problems).length ? 'warning' : 'success');
      });
    });
  }

  function viewTabs() {
    var tabs = byId('dmn-views');
    tabs.innerHTML = '';
    modeler.getViews().forEach(function (view) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn btn-sm ' + (view === modeler.getActiveView() ? 'btn-secondary' : 'btn-outline-secondary');
      button.textContent = (view.element.name || view.element.id) + ' (' + view.type + ')';
      button.addEventListener('click', function () { modeler.open(view).then(viewTabs); });
      tabs.appendChild(button);
    });
  }

  function openFirstTable() {
    var tables = modeler.getViews().filter(function (view) { return view.type === 'decisionTable'; });
    return tables.length ? modeler.open(tables[0]) : Promise.resolve();
  }

  function start() {
    container = byId('dmn-modeler');
    var holder = byId('modeler-config');
    if (!container || !holder) { return; }
    config = JSON.parse(holder.getAttribute('data-config'));
    if (typeof window.DmnJS !== 'function') {
      container.setAttribute('data-state', 'error');
      return;
    }
    edits = new window.DraftEdits(config, {
      showStatus: showStatus,
      currentXml: function () { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); }
    });
    edits.restore();
    edits.bind();
    modeler = new window.DmnJS({ container: container, common: { additionalModules: window.dmnTranslateModules || [] } });
    window.adminDmn = modeler;
    modeler.on('views.changed', watchActiveViewer);
    modeler.importXML(config.sources[config.file]).then(openFirstTable).then(function () {
      viewTabs();
      watchActiveViewer();
      byId('btn-save').addEventListener('click', function () { save(); });
      byId('btn-validate').addEventListener('click', function () { validate(); });
      bindDeploy();
      showProblems(config.problems || {});
      container.setAttribute('data-revision', String(config.revision));
      container.setAttribute('data-state', 'ready');
    }).catch(function (error) {
      container.setAttribute('data-state', 'error');
      showStatus(String(error), 'danger');
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
