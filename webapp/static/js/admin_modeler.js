/*
 * The admin diagram editor: bpmn-js's modeler (global BpmnJS) on one BPMN file of a draft, with a
 * small side panel for what this system needs (a user task's lane/role, form, due period and four
 * eyes; a sequence flow's condition), save as draft (409 shows what changed), validate, test run,
 * and the problems of the last validation marked on their elements.
 *
 * A user task's form is a registered class (extension property ``form``) or defined here: a list
 * of fields edited in the panel and written as JSON into ``form_fields`` (see forms/diagram.py for
 * the schema; the server checks it on validate and deploy). Either property removes the other.
 *
 * Four eyes: the user tasks ticked in the panel are written, comma separated, into the task's
 * ``four_eyes_with`` (whoever completed one of them may not complete this task; see
 * workflows/tasks/four_eyes.py). The list offers the other user tasks of this diagram and of the
 * draft's BPMN files linked to it by call activities (as last saved); a name that is no user task
 * of the draft stays listed, ticked and marked, until it is unticked (validation reports it too).
 *
 * Configuration: the JSON in data-config of #modeler-config (no inline script; CSP):
 *   {file, sources, revision, forms, problems, urls: {save, validate, test_run}, csrf, messages}.
 * State for tests: #modeler gets data-state="ready" after import, data-revision after each save.
 * window.adminModeler exposes the modeler instance (the browser test drives it through its API),
 * with setFormFields(elementId, fieldsArray) and getFormFields(elementId) for the form fields.
 */
(function () {
  'use strict';

  var SPIFF_URI = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
  var BPMN_URI = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
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
        properties: [{ name: 'value', type: 'String', isBody: true }] },
      // scripts run before / after a task (SpiffWorkflow reads them): unknown types of a known
      // namespace are dropped on export, so each one the diagrams use must be declared here
      { name: 'PreScript', superClass: ['Element'],
        properties: [{ name: 'value', type: 'String', isBody: true }] },
      { name: 'PostScript', superClass: ['Element'],
        properties: [{ name: 'value', type: 'String', isBody: true }] },
      { name: 'InstructionsForEndUser', superClass: ['Element'],
        properties: [{ name: 'value', type: 'String', isBody: true }] }
    ]
  };
  var ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
  var FIELD_TYPES = ['text', 'textarea', 'integer', 'money', 'date', 'choice', 'yesno'];
  var BOUNDS = { text: 'length', textarea: 'length', integer: 'number', money: 'number', date: 'date' };
  var NUMBER = /^-?\d+(\.\d+)?$/;

  var config, modeler, container, edits, marked = [];  // edits: window.DraftEdits (admin_draft_edits.js)
  // The form_fields text the field list shows (it is not rebuilt under the cursor for our own
  // writes) and the fields of tasks switched back to a registered class (to switch back again).
  var shownFields = { id: null, text: null }, setAside = {};
  var otherFileCache = null;  // the draft's other BPMN files, read once (this editor does not change them)

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
    var changes = {};
    changes[name] = value;
    setProperties(element, changes);
  }

  /* changes: {name: value}; an empty value removes the property. One command for all of them. */
  function setProperties(element, changes) {
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
    var kept = list.filter(function (p) { return !Object.prototype.hasOwnProperty.call(changes, p.name); });
    Object.keys(changes).forEach(function (name) {
      if (!changes[name]) { return; }
      var prop = moddle.create('spiffworkflow:Property', { name: name, value: changes[name] });
      prop.$parent = props;
      kept.push(prop);
    });
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

  /* ---- a form defined here: the field list (form_fields) ---- */

  function parseFormFields(value) {
    if (!value) { return []; }
    try {
      var fields = JSON.parse(value);
      return Array.isArray(fields) ? fields : null;
    } catch (error) {
      return null;
    }
  }

  function labelWords(label, language) {
    return label && typeof label === 'object' && typeof label[language] === 'string' ? label[language] : '';
  }

  function choiceLines(choices) {
    return (Array.isArray(choices) ? choices : []).map(function (choice) {
      var en = labelWords(choice && choice.label, 'en');
      return String((choice && choice.value) || '') + '=' + labelWords(choice && choice.label, 'zh') +
        (en ? '|' + en : '');
    }).join('\n');
  }

  /* "value=中文标签" or "value=中文标签|English label", one choice per line. */
  function choicesFromLines(lines) {
    return lines.split('\n').map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
      var eq = line.indexOf('=');
      var value = eq < 0 ? line : line.slice(0, eq).trim(), words = eq < 0 ? line : line.slice(eq + 1).trim();
      var bar = words.lastIndexOf('|');
      var label = { zh: bar < 0 ? words : words.slice(0, bar).trim() };
      if (bar >= 0 && words.slice(bar + 1).trim()) { label.en = words.slice(bar + 1).trim(); }
      return { value: value, label: label };
    });
  }

  function rowOf(field) {
    field = field && typeof field === 'object' ? field : {};
    return {
      name: typeof field.name === 'string' ? field.name : '',
      zh: labelWords(field.label, 'zh'), en: labelWords(field.label, 'en'),
      type: FIELD_TYPES.indexOf(field.type) >= 0 ? field.type : 'text',
      required: field.required === true,
      min: field.min === undefined || field.min === null ? '' : String(field.min),
      max: field.max === undefined || field.max === null ? '' : String(field.max),
      choices: choiceLines(field.choices)
    };
  }

  function bound(type, raw) {
    raw = raw.trim();
    if (!raw) { return undefined; }
    return BOUNDS[type] !== 'date' && NUMBER.test(raw) ? Number(raw) : raw;  // anything else: the server says why
  }

  function fieldOf(row) {
    var field = { name: row.name.trim(), label: { zh: row.zh.trim() }, type: row.type, required: row.required };
    if (row.en.trim()) { field.label.en = row.en.trim(); }
    if (BOUNDS[row.type]) {
      var low = bound(row.type, row.min), high = bound(row.type, row.max);
      if (low !== undefined) { field.min = low; }
      if (high !== undefined) { field.max = high; }
    }
    if (row.type === 'choice') { field.choices = choicesFromLines(row.choices); }
    return field;
  }

  function make(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === 'text') { node.textContent = attributes[key]; } else { node.setAttribute(key, attributes[key]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function labelled(id, words, input) {
    return [make('label', { 'class': 'form-label small mb-0', 'for': id, text: words }), input];
  }

  function rowButton(action, icon, words) {
    var button = make('button', { type: 'button', 'class': 'btn btn-outline-secondary', 'data-action': action,
                                  title: words, 'aria-label': words });
    button.appendChild(make('i', { 'class': 'bi ' + icon, 'aria-hidden': 'true' }));
    return button;
  }

  function boundInputs(row, id) {
    var kind = BOUNDS[row.type];
    if (!kind) { return []; }
    var words = { length: ['min_length', 'max_length'], number: ['min_value', 'max_value'],
                  date: ['min_date', 'max_date'] }[kind];
    return [make('div', { 'class': 'row g-1 mb-1' }, ['min', 'max'].map(function (key, i) {
      var input = make('input', { 'class': 'form-control form-control-sm', id: id + '-' + key, 'data-key': key,
                                  type: kind === 'date' ? 'date' : 'text', autocomplete: 'off', maxlength: '20' });
      if (kind !== 'date') { input.setAttribute('inputmode', kind === 'number' ? 'decimal' : 'numeric'); }
      input.value = row[key];
      return make('div', { 'class': 'col-6' }, labelled(id + '-' + key, text(words[i]), input));
    }))];
  }

  function fieldRow(row, index, count) {
    var id = 'field-' + index;
    var name = make('input', { 'class': 'form-control form-control-sm font-monospace mb-1', id: id + '-name',
                               'data-key': 'name', maxlength: '40', autocomplete: 'off', spellcheck: 'false' });
    name.value = row.name;
    var zh = make('input', { 'class': 'form-control form-control-sm mb-1', id: id + '-zh', 'data-key': 'zh',
                             maxlength: '100', autocomplete: 'off', lang: 'zh-CN' });
    zh.value = row.zh;
    var en = make('input', { 'class': 'form-control form-control-sm mb-1', id: id + '-en', 'data-key': 'en',
                             maxlength: '100', autocomplete: 'off', lang: 'en' });
    en.value = row.en;
    var type = make('select', { 'class': 'form-select form-select-sm mb-1', id: id + '-type', 'data-key': 'type' });
    fillSelect(type, FIELD_TYPES.map(function (t) { return [t, text('type_' + t)]; }), row.type);
    var required = make('input', { 'class': 'form-check-input', type: 'checkbox', id: id + '-required',
                                   'data-key': 'required' });
    required.checked = row.required;
    var up = rowButton('up', 'bi-arrow-up', text('move_up'));
    var down = rowButton('down', 'bi-arrow-down', text('move_down'));
    up.disabled = index === 0;
    down.disabled = index === count - 1;
    var parts = [
      make('div', { 'class': 'd-flex justify-content-between align-items-center mb-1' }, [
        make('span', { 'class': 'small fw-semibold', text: '#' + (index + 1) }),
        make('div', { 'class': 'btn-group btn-group-sm', role: 'group' },
             [up, down, rowButton('remove', 'bi-x-lg', text('remove_field'))])])
    ].concat(labelled(id + '-name', text('field_name'), name), labelled(id + '-zh', text('field_zh'), zh),
             labelled(id + '-en', text('field_en'), en), labelled(id + '-type', text('field_type'), type),
             [make('div', { 'class': 'form-check mb-1' }, [required, make('label', {
               'class': 'form-check-label small', 'for': id + '-required', text: text('field_required') })])],
             boundInputs(row, id));
    if (row.type === 'choice') {
      var choices = make('textarea', { 'class': 'form-control form-control-sm', id: id + '-choices',
                                       'data-key': 'choices', rows: '3', spellcheck: 'false' });
      choices.value = row.choices;
      parts = parts.concat(labelled(id + '-choices', text('field_choices'), choices));
    }
    return make('div', { 'class': 'border rounded p-2 mb-2 form-field-row', 'data-index': String(index) }, parts);
  }

  function renderFieldList(rows) {
    var list = byId('panel-field-list');
    list.innerHTML = '';
    rows.forEach(function (row, index) { list.appendChild(fieldRow(row, index, rows.length)); });
  }

  function readRows() {
    return Array.prototype.map.call(byId('panel-field-list').querySelectorAll('.form-field-row'), function (node) {
      var row = { name: '', zh: '', en: '', type: 'text', required: false, min: '', max: '', choices: '' };
      Array.prototype.forEach.call(node.querySelectorAll('[data-key]'), function (input) {
        var key = input.getAttribute('data-key');
        row[key] = key === 'required' ? input.checked : input.value;
      });
      return row;
    });
  }

  function showFormKind(kind) {
    byId('panel-form-kind-class').checked = kind === 'class';
    byId('panel-form-kind-fields').checked = kind === 'fields';
    byId('panel-form-class').hidden = kind !== 'class';
    byId('panel-form-fields').hidden = kind !== 'fields';
  }

  /* Show the element's form_fields, unless the list shows them already (our own write). */
  function showFormFields(bo) {
    var value = getProperty(bo, 'form_fields');
    showFormKind(value ? 'fields' : 'class');
    if (shownFields.id === bo.id && shownFields.text === value) { return; }
    var fields = parseFormFields(value);
    byId('panel-fields-unreadable').hidden = fields !== null;
    renderFieldList((fields || []).map(rowOf));
    shownFields = { id: bo.id, text: value };
  }

  /* The fields as the form_fields property (removing form); an empty list removes form_fields. */
  function writeFormFields(element, fields) {
    var value = fields.length ? JSON.stringify(fields) : '';
    shownFields = { id: element.businessObject.id, text: value };
    setProperties(element, value ? { form: '', form_fields: value } : { form_fields: '' });
    return value;
  }

  function writeRows(element, rows) {
    byId('panel-fields-unreadable').hidden = true;
    return writeFormFields(element, rows.map(fieldOf));
  }

  function switchFormKind(element, kind) {
    var bo = element.businessObject;
    if (kind === 'class') {
      var value = getProperty(bo, 'form_fields');
      if (value) { setAside[bo.id] = value; }
      setProperties(element, { form_fields: '' });
      return;
    }
    var rows = (parseFormFields(setAside[bo.id]) || []).map(rowOf);
    if (!rows.length) { rows = [rowOf({})]; }
    renderFieldList(rows);
    writeRows(element, rows);
  }

  function bindFieldList() {
    [byId('panel-form-kind-class'), byId('panel-form-kind-fields')].forEach(function (radio) {
      radio.addEventListener('change', function (event) {
        var element = selected();
        if (element && event.target.checked) { switchFormKind(element, event.target.value); showPanel(element); }
      });
    });
    var list = byId('panel-field-list');
    list.addEventListener('change', function (event) {
      var element = selected(), key = event.target.getAttribute('data-key');
      if (!element || !key) { return; }
      var rows = readRows();
      if (key === 'type') { renderFieldList(rows); }  // the bounds and choices depend on the type
      writeRows(element, rows);
    });
    list.addEventListener('click', function (event) {
      var button = event.target.closest('[data-action]'), element = selected();
      if (!button || !element) { return; }
      var rows = readRows(), index = Number(button.closest('.form-field-row').getAttribute('data-index'));
      var action = button.getAttribute('data-action');
      if (action === 'remove') {
        rows.splice(index, 1);
      } else {
        var other = action === 'up' ? index - 1 : index + 1;
        if (other < 0 || other >= rows.length) { return; }
        rows.splice(other, 0, rows.splice(index, 1)[0]);
      }
      renderFieldList(rows);
      writeRows(element, rows);
    });
    byId('btn-add-field').addEventListener('click', function () {
      var element = selected();
      if (!element) { return; }
      var rows = readRows().concat([rowOf({})]);
      renderFieldList(rows);
      writeRows(element, rows);
      byId('field-' + (rows.length - 1) + '-name').focus();
    });
  }

  /* For tests and scripts: set or read a user task's form_fields (an array of field objects). */
  function setFormFields(elementId, fields) {
    var element = modeler.get('elementRegistry').get(elementId);
    if (!element || element.type !== 'bpmn:UserTask') { throw new Error('no user task ' + elementId); }
    var value = writeFormFields(element, Array.isArray(fields) ? fields : []);
    shownFields = { id: null, text: null };  // the list shows what was set, not what was typed
    if (selected() === element) { showPanel(element); }
    return value;
  }

  function getFormFields(elementId) {
    var element = modeler.get('elementRegistry').get(elementId);
    return element ? parseFormFields(getProperty(element.businessObject, 'form_fields')) : null;
  }

  /* ---- four eyes (four_eyes_with) ---- */

  function fourEyesNames(bo) {
    var seen = {};
    return getProperty(bo, 'four_eyes_with').replace(/,/g, ' ').split(/\s+/).filter(function (name) {
      if (!name || seen[name]) { return false; }
      seen[name] = true;
      return true;
    });
  }

  function nodesOf(doc, tag, read) {
    return Array.prototype.map.call(doc.getElementsByTagNameNS(BPMN_URI, tag), read);
  }

  /* The draft's other BPMN files as last saved: their processes, called processes and user tasks. */
  function otherFiles() {
    if (otherFileCache !== null) { return otherFileCache; }
    otherFileCache = Object.keys(config.sources).sort().filter(function (file) {
      return file !== config.file && /\.bpmn$/.test(file);
    }).map(function (file) {
      var doc = new DOMParser().parseFromString(config.sources[file], 'application/xml');
      return {
        file: file,
        processes: nodesOf(doc, 'process', function (node) { return node.getAttribute('id'); }),
        calls: nodesOf(doc, 'callActivity', function (node) { return node.getAttribute('calledElement'); }),
        tasks: nodesOf(doc, 'userTask', function (node) {
          return { id: node.getAttribute('id'), name: node.getAttribute('name') || '' };
        })
      };
    });
    return otherFileCache;
  }

  function callsInto(a, b) {
    return a.calls.some(function (called) { return b.processes.indexOf(called) >= 0; });
  }

  /* The other files linked to this diagram by call activities, either way, over any number of steps
     (post_loan.bpmn for microcredit_loan.bpmn): their tasks may share a loan with this one. */
  function relatedFiles(files) {
    var registry = modeler.get('elementRegistry');
    var here = {
      processes: (modeler.getDefinitions().rootElements || []).filter(function (root) {
        return root.$type === 'bpmn:Process';
      }).map(function (root) { return root.id; }),
      calls: registry.filter(function (e) { return e.type === 'bpmn:CallActivity'; })
        .map(function (e) { return e.businessObject.calledElement; })
    };
    var reached = [here], todo = [here];
    while (todo.length) {
      var from = todo.pop();
      files.forEach(function (file) {
        if (reached.indexOf(file) < 0 && (callsInto(from, file) || callsInto(file, from))) {
          reached.push(file);
          todo.push(file);
        }
      });
    }
    return reached.slice(1);
  }

  function fourEyesBox(task, checked, problem) {
    var id = 'four-eyes-' + task.id;
    var box = make('input', { 'class': 'form-check-input', type: 'checkbox', id: id, value: task.id });
    box.checked = checked;
    var label = make('label', { 'class': 'form-check-label' + (problem ? ' text-danger' : ''), 'for': id },
                     [document.createTextNode(task.name ? task.name + ' ' : ''), make('code', { text: task.id })]);
    if (problem) { label.appendChild(document.createTextNode(' (' + problem + ')')); }
    return make('div', { 'class': 'form-check' + (problem ? ' four-eyes-problem' : '') }, [box, label]);
  }

  /* The checkbox groups: this diagram's other user tasks, then each related file's (another file's
     only where ticked), then the names that are no user task of the draft. */
  function fourEyesGroups(bo, names) {
    var here = modeler.get('elementRegistry').filter(function (e) {
      return e.type === 'bpmn:UserTask' && e.businessObject.id !== bo.id;
    }).map(function (e) { return { id: e.businessObject.id, name: e.businessObject.name || '' }; });
    var groups = [{ file: '', tasks: here }], known = here.map(function (task) { return task.id; });
    var files = otherFiles(), related = relatedFiles(files);
    files.forEach(function (file) {
      known = known.concat(file.tasks.map(function (task) { return task.id; }));
      var tasks = file.tasks.filter(function (task) {
        return related.indexOf(file) >= 0 || names.indexOf(task.id) >= 0;
      });
      if (tasks.length) { groups.push({ file: file.file, tasks: tasks }); }
    });
    var missing = names.filter(function (name) { return name === bo.id || known.indexOf(name) < 0; });
    groups.push({ file: '', tasks: missing.map(function (name) {
      return { id: name, name: '', problem: text(name === bo.id ? 'four_eyes_self' : 'four_eyes_missing') };
    }) });
    return groups;
  }

  /* Tick the tasks the element's four_eyes_with names; keep focus on the box just clicked. */
  function showFourEyes(bo) {
    var list = byId('panel-four-eyes-list'), names = fourEyesNames(bo), count = 0;
    var focused = list.contains(document.activeElement) ? document.activeElement.id : null;
    list.innerHTML = '';
    fourEyesGroups(bo, names).forEach(function (group) {
      if (group.file && group.tasks.length) {
        list.appendChild(make('div', { 'class': 'text-muted mt-1', text: group.file }));
      }
      group.tasks.forEach(function (task) {
        list.appendChild(fourEyesBox(task, names.indexOf(task.id) >= 0, task.problem));
        count += 1;
      });
    });
    byId('panel-four-eyes-none').hidden = count > 0;
    if (focused && byId(focused)) { byId(focused).focus(); }
  }

  function bindFourEyes() {
    byId('panel-four-eyes-list').addEventListener('change', function (event) {
      var element = selected(), name = event.target.value;
      if (!element || event.target.type !== 'checkbox') { return; }
      var names = fourEyesNames(element.businessObject).filter(function (other) { return other !== name; });
      if (event.target.checked) { names.push(name); }
      setProperty(element, 'four_eyes_with', names.join(', '));
    });
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
      showFormFields(bo);
      showFourEyes(bo);
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

  function currentSources() {  // every file: this one as drawn, the others with their kept edits
    return edits.sources();
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
          edits.saved(sources);
          config.revision = answer.data.revision;
          container.setAttribute('data-revision', String(config.revision));
          showStatus(answer.data.unchanged ? text('unchanged') : text('saved') + ' ' + config.revision, 'success');
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
        // ok: the run reached an end, or stopped where the real process waits for the timer worker
        box.className = 'alert alert-' + (answer.data.ok ? 'success' : 'warning');
        box.setAttribute('data-ok', answer.data.ok ? 'true' : 'false');
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
        edits.leaving = true;
        if (!edits.dirty) { return; }
        event.preventDefault();
        save().then(function (answer) {
          if (answer.status === 200) { deploy.submit(); } else { edits.leaving = false; }
        });
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
    edits = new window.DraftEdits(config, {
      showStatus: showStatus,
      currentXml: function () { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); }
    });
    edits.restore();
    edits.bind();
    modeler = new window.BpmnJS({ container: container, moddleExtensions: { spiffworkflow: SPIFF_MODDLE } });
    window.adminModeler = modeler;
    modeler.setFormFields = setFormFields;
    modeler.getFormFields = getFormFields;
    modeler.importXML(config.sources[config.file]).then(function () {
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      modeler.on('selection.changed', function () { showPanel(selected()); });
      modeler.on('commandStack.changed', function () {
        edits.changed();
        var element = selected();  // a user task added, removed or renamed elsewhere: offer the list anew
        if (element && element.type === 'bpmn:UserTask') { showFourEyes(element.businessObject); }
      });
      modeler.on('element.changed', function (event) {
        if (selected() === event.element) { showPanel(event.element); }
      });
      bindPanel();
      bindFieldList();
      bindFourEyes();
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
