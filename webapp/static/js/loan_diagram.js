/*
 * The loan page's live diagram: fetch the instance's diagram state (data-diagram-url), render the
 * BPMN with bpmn-js's navigated viewer (global BpmnJS), and mark completed and current elements.
 * After rendering, the container carries data-highlighted="<current ids, comma-separated>" and
 * data-state="ready" (or "error"), so a browser test can wait for it and assert the current step.
 */
(function () {
  'use strict';

  function markAll(canvas, registry, ids, marker) {
    var marked = [];
    (ids || []).forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
        marked.push(id);
      }
    });
    return marked;
  }

  function fail(container, error) {
    container.setAttribute('data-state', 'error');
    var message = document.getElementById('loan-diagram-error');
    if (message) {
      message.classList.remove('d-none');
    }
    if (window.console) {
      window.console.error('loan diagram:', error);
    }
  }

  var BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

  /* Lanes are named by role code (what the engine reads); show each by the name a person reads. */
  function withLaneLabels(xml, labels) {
    var doc = new DOMParser().parseFromString(xml, 'application/xml');
    var lanes = doc.getElementsByTagNameNS(BPMN_NS, 'lane');
    for (var i = 0; i < lanes.length; i++) {
      var code = lanes[i].getAttribute('name');
      if (labels[code]) {
        lanes[i].setAttribute('name', labels[code]);
      }
    }
    return new XMLSerializer().serializeToString(doc);
  }

  function render(container) {
    var labels = JSON.parse(container.getAttribute('data-lane-labels') || '{}');
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.getAttribute('data-diagram-url'), {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      return response.json();
    }).then(function (state) {
      return viewer.importXML(withLaneLabels(state.bpmn_xml, labels)).then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        canvas.zoom('fit-viewport', 'auto');
        var completed = markAll(canvas, registry, state.completed, 'completed');
        var current = markAll(canvas, registry, state.current, 'current');
        container.setAttribute('data-completed', completed.join(','));
        container.setAttribute('data-highlighted', current.join(','));
        container.setAttribute('data-state', 'ready');
      });
    }).catch(function (error) {
      fail(container, error);
    });
  }

  function start() {
    var container = document.getElementById('loan-diagram');
    if (!container) {
      return;
    }
    if (typeof window.BpmnJS !== 'function') {
      fail(container, new Error('bpmn-js is not loaded'));
      return;
    }
    render(container);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
