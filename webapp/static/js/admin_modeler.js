/*
 * The admin diagram editor: bpmn-js's modeler (global BpmnJS) on one BPMN file of a draft, with a
 * small side panel for what this system needs (a user task's lane/role, form and due period; a
 * sequence flow's condition), save as draft (409 shows what changed), validate, test run, and the
 * problems of the last validation marked on their elements.
 *
 * Configuration: the JSON in data-config of #modeler-config (no inline script; CSP):
 *   {file, sources, revision, forms, problems, urls: {save, validate, test_run}, csrf, messages}.
 * State for tests: #modeler gets data-state="ready" after import, data-revision after each save.
 * window.adminModeler exposes the modeler instance (the browser test drives it through its API).
 */
(function () {
  'use strict';

  var SPIFF_URI = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
  var SPIFF_MODDLE = {
    name: 'SpiffWorkflow',
    prefix: 'spiffworkflow',
    uri: SPIFF_URI,
    xml: { tagAlias: 'lowerCase' },
    associations: [],
    types: [
      { name: 'Properties', superClass: ['Element'],
        properties: [{ name: 'properties', type: 'Property', isMany: true }] },
      { name: 'Property', superClass: ['Element'],
        properties: [{ name: 'name', type: 'String', isAttr: true },
                     { name: 'value', type: 'String', isAttr: true }] },
      { name: 'CalledDecisionId', superClass: ['Element'],
        properties: [{ name: 'value', type: 'String', isBody: true }] }
    ]
  };
  var ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

  var config, modeler, container, dirty = false, marked = [];

  function byId(id) { return document.getElementById(id); }

  function text(key) { return (config.messages && config.messages[key]) || key; }

  function showStatus(message, kind) {
    var box = byId('modeler-status');
    box.className = 'alert alert-' + (kind || 'info');
    box.textContent = message;
  }

  /* ---- extension properties (spiffworkflow:properties) ---- */

  function propertiesOf(bo) {
    var ext = bo.extensionElements;
    var values = (ext && ext.values) || [];
    for (var i = 0; i < values.length; i++) {
      if (values[i].$type === 'spiffworkflow:Properties') { return values[i]; }
    }
    return null;
  }

  function getProperty(bo, name) {
    var props = propertiesOf(bo);
    var list = (props && props.properties) || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].name === name) { return list[i].value; }
    }
    return '';
  }

  function setProperty(element, name, value) {
    var moddle = modeler.get('moddle');
    var bo = element.businessObject;
    var ext = bo.extensionElements || moddle.create('bpmn:ExtensionElements', { values: [] });
    var props = propertiesOf({ extensionElements: ext });
    if (!props) {
      props = moddle.create('spiffworkflow:Properties', { properties: [] });
      props.$parent = ext;
      ext.get('values').push(props);
    }
    var list = props.get('properties');
    var kept = list.filter(function (p) { return p.name !== name; });
    if (value) {
      var prop = moddle.create('spiffworkflow:Property', { name: name, value: value });
      prop.$parent = props;
      kept.push(prop);
    }
    list.length = 0;
    Array.prototype.push.apply(list, kept);
    ext.$parent = bo;
    modeler.get('modeling').updateProperties(element, { extensionElements: ext });
  }

  /* ---- lanes ---- */

  function lanes() {
    return modeler.get('elementRegistry').filter(function (e) { return e.type === 'bpmn:Lane'; });
  }

  function laneOf(element) {
    var cx = element.x + element.width / 2, cy = element.y + element.height / 2;
    var found = null;
    lanes().forEach(function (lane) {
      if (cx >= lane.x && cx <= lane.x + lane.width && cy >= lane.y && cy <= lane.y + lane.height) {
        found = lane;
      }
    });
    return found;
  }

  function moveToLane(element, laneId) {
    var lane = modeler.get('elementRegistry').get(laneId);
    if (!lane) { return; }
    var dy = (lane.y + lane.height / 2) - (element.y + element.height / 2);
    modeler.get('modeling').moveElements([element], { x: 0, y: dy });
  }

  /* ---- side panel ---- */

  function fillSelect(select, options, current) {
    select.innerHTML = '';
    options.forEach(function (pair) {
      var option = document.createElement('option');
      option.value = pair[0];
      option.textContent = pair[1];
      option.selected = pair[0] === current;
      select.appendChild(option);
    });
  }

  function showPanel(element) {
    var taskPanel = byId('panel-user-task'), flowPanel = byId('panel-flow'), none = byId('panel-none');
    taskPanel.hidden = flowPanel.hidden = true;
    none.hidden = false;
    if (!element) { return; }
    var bo = element.businessObject;
    byId('panel-element-id').textContent = bo.id + (bo.name ? ' · ' + bo.name : '');
    if (element.type === 'bpmn:UserTask') {
      none.hidden = true;
      taskPanel.hidden = false;
      taskPanel.setAttribute('data-element-id', bo.id);
      var lane = laneOf(element);
      var laneOptions = [['', text('no_lane')]].concat(lanes().map(function (l) {
        return [l.id, l.businessObject.name || l.id];
      }));
      fillSelect(byId('panel-lane'), laneOptions, lane ? lane.id : '');
      byId('panel-lane-name').textContent = lane ? (lane.businessObject.name || lane.id) : text('no_lane');
      var formOptions = [['', text('choose_form')]].concat(config.forms.map(function (f) { return [f, f]; }));
      fillSelect(byId('panel-form'), formOptions, getProperty(bo, 'form'));
      byId('panel-due').value = getProperty(bo, 'due_period');
      byId('panel-due').classList.remove('is-invalid');
    } else if (element.type === 'bpmn:SequenceFlow') {
      none.hidden = true;
      flowPanel.hidden = false;
      flowPanel.setAttribute('data-element-id', bo.id);
      byId('panel-condition').value = bo.conditionExpression ? (bo.conditionExpression.body || '') : '';
    }
  }

  function selected() {
    var list = modeler.get('selection').get();
    return list.length === 1 ? list[0] : null;
  }

  function bindPanel() {
    byId('panel-lane').addEventListener('change', function (event) {
      var element = selected();
      if (element && event.target.value) { moveToLane(element, event.target.value); showPanel(element); }
    });
    byId('panel-form').addEventListener('change', function (event) {
      var element = selected();
      if (element) { setProperty(element, 'form', event.target.value); }
    });
    byId('panel-due').addEventListener('change', function (event) {
      var element = selected(), value = event.target.value.trim().toUpperCase();
      if (!element) { return; }
      if (value && !ISO_DURATION.test(value)) {
        event.target.classList.add('is-invalid');
        return;
      }
      event.target.classList.remove('is-invalid');
      event.target.value = value;
      setProperty(element, 'due_period', value);
    });
    byId('panel-condition').addEventListener('change', function (event) {
      var element = selected(), value = event.target.value.trim();
      if (!element) { return; }
      var expression = value ? modeler.get('moddle').create('bpmn:FormalExpression', { body: value }) : undefined;
      modeler.get('modeling').updateProperties(element, { conditionExpression: expression });
    });
  }

  /* ---- problems ---- */

  function markProblems(problems) {
    var canvas = modeler.get('canvas'), registry = modeler.get('elementRegistry');
    marked.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, 'invalid'); } });
    marked = [];
    var list = byId('problem-list');
    list.innerHTML = '';
    Object.keys(problems || {}).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, 'invalid'); marked.push(id); }
      (problems[id] || []).forEach(function (message) {
        var item = document.createElement('li');
        var link = document.createElement('a');
        link.href = '#';
        link.className = 'problem-link';
        link.setAttribute('data-element-id', id);
        link.textContent = id;
        item.appendChild(link);
        item.appendChild(document.createTextNode(': ' + message));
        list.appendChild(item);
      });
    });
    byId('problems').hidden = list.children.length === 0;
    container.setAttribute('data-invalid', marked.join(','));
  }

  function selectElement(id) {
    var element = modeler.get('elementRegistry').get(id);
    if (!element) { return; }
    modeler.get('selection').select(element);
    if (element.waypoints === undefined) { modeler.get('canvas').scrollToElement(element); }
  }

  /* ---- server calls ---- */

  function currentSources() {
    return modeler.saveXML({ format: true }).then(function (result) {
      var sources = Object.assign({}, config.sources);
      sources[config.file] = result.xml;
      return sources;
    });
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

  function save() {
    return currentSources().then(function (sources) {
      return post(config.urls.save, { sources: sources, revision: config.revision }).then(function (answer) {
        if (answer.status === 200) {
          config.sources = sources;
          config.revision = answer.data.revision;
          container.setAttribute('data-revision', String(config.revision));
          dirty = false;
          showStatus(text('saved') + ' ' + config.revision, 'success');
        } else if (answer.status === 409) {
          showStatus(answer.data.message || text('conflict'), 'danger');
          byId('modeler-status').setAttribute('data-conflict', 'true');
        } else {
          markProblems(answer.data.problems);
          showStatus(answer.data.message || text('failed'), 'danger');
        }
        return answer;
      });
    });
  }

  function validate() {
    return currentSources().then(function (sources) {
      return post(config.urls.validate, { sources: sources }).then(function (answer) {
        var problems = answer.data.problems || {};
        markProblems(problems);
        var count = Object.keys(problems).length;
        showStatus(count ? text('invalid') : text('valid'), count ? 'warning' : 'success');
      });
    });
  }

  function testRun() {
    return currentSources().then(function (sources) {
      return post(config.urls.test_run, { sources: sources }).then(function (answer) {
        var box = byId('test-run-result');
        box.hidden = false;
        box.textContent = answer.data.summary || answer.data.message || JSON.stringify(answer.data);
        box.setAttribute('data-stopped-at', answer.data.stopped_at || '');
        if (answer.data.stopped_at) { selectElement(answer.data.stopped_at); }
      });
    });
  }

  function bindButtons() {
    byId('btn-save').addEventListener('click', function () { save(); });
    byId('btn-validate').addEventListener('click', function () { validate(); });
    byId('btn-test-run').addEventListener('click', function () { testRun(); });
    byId('problem-list').addEventListener('click', function (event) {
      var id = event.target.getAttribute('data-element-id');
      if (id) { event.preventDefault(); selectElement(id); }
    });
    var deploy = byId('deploy-form');
    if (deploy) {
      deploy.addEventListener('submit', function (event) {
        if (!dirty) { return; }
        event.preventDefault();
        save().then(function (answer) { if (answer.status === 200) { deploy.submit(); } });
      });
    }
  }

  function start() {
    container = byId('modeler');
    var holder = byId('modeler-config');
    if (!container || !holder) { return; }
    config = JSON.parse(holder.getAttribute('data-config'));
    if (typeof window.BpmnJS !== 'function') {
      container.setAttribute('data-state', 'error');
      return;
    }
    modeler = new window.BpmnJS({ container: container, moddleExtensions: { spiffworkflow: SPIFF_MODDLE } });
    window.adminModeler = modeler;
    modeler.importXML(config.sources[config.file]).then(function () {
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      modeler.on('selection.changed', function () { showPanel(selected()); });
      modeler.on('commandStack.changed', function () { dirty = true; });
      modeler.on('element.changed', function (event) {
        if (selected() === event.element) { showPanel(event.element); }
      });
      bindPanel();
      bindButtons();
      markProblems(config.problems || {});
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
