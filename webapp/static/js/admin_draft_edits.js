/*
 * Unsaved edits of a draft's editor pages (the diagram editor and the decision tables), shared by
 * admin_modeler.js and admin_dmn.js as window.DraftEdits.
 *
 * - The status says "unsaved" the moment the diagram or table changes (the editor calls changed()).
 * - Leaving the page with unsaved edits asks first (beforeunload).
 * - Switching file tabs (#draft-files) with unsaved edits asks first; on yes, the edits of this
 *   file are kept in sessionStorage (per draft, per file) and the other file's page picks them up:
 *   switching never drops them. Saving posts every file's kept edits and clears them.
 * - Kept edits remember the revision they were made on: if someone saved meanwhile, the save
 *   answers 409 (nothing is overwritten) instead of quietly replacing the other save.
 *
 * State for tests: #modeler-status gets data-dirty="true" while edits are unsaved.
 */
(function () {
  'use strict';

  function DraftEdits(config, options) {
    this.config = config;
    this.key = 'draft-edits:' + config.urls.save;
    this.currentXml = options.currentXml;      // () => Promise of this file's XML
    this.showStatus = options.showStatus;      // (message, kind)
    this.dirty = false;
    this.leaving = false;
    this.kept = this.read();
  }

  DraftEdits.prototype.text = function (key) {
    return (this.config.messages && this.config.messages[key]) || key;
  };

  DraftEdits.prototype.read = function () {
    try {
      var value = JSON.parse(window.sessionStorage.getItem(this.key) || 'null');
      return value && value.files ? value : null;
    } catch (error) {
      return null;
    }
  };

  DraftEdits.prototype.write = function () {
    try {
      if (this.kept) {
        window.sessionStorage.setItem(this.key, JSON.stringify(this.kept));
      } else {
        window.sessionStorage.removeItem(this.key);
      }
    } catch (error) { /* storage full or off: the confirmation still protects the edits */ }
  };

  /* Put kept edits into config.sources (before the import); true when there were any. */
  DraftEdits.prototype.restore = function () {
    if (!this.kept) { return false; }
    var config = this.config, kept = this.kept;
    Object.keys(kept.files).forEach(function (name) {
      if (Object.prototype.hasOwnProperty.call(config.sources, name)) { config.sources[name] = kept.files[name]; }
    });
    config.revision = kept.revision;  // a save made since then is a conflict, not an overwrite
    this.markDirty(this.text('kept_edits'));
    return true;
  };

  /* The file tabs with unsaved edits get data-unsaved (a dot, see admin.css). */
  DraftEdits.prototype.markTabs = function () {
    var names = Object.keys((this.kept && this.kept.files) || {});
    if (this.dirty) { names.push(this.config.file); }
    Array.prototype.forEach.call(document.querySelectorAll('#draft-files a[data-file]'), function (link) {
      if (names.indexOf(link.getAttribute('data-file')) >= 0) {
        link.setAttribute('data-unsaved', 'true');
      } else {
        link.removeAttribute('data-unsaved');
      }
    });
  };

  DraftEdits.prototype.markDirty = function (message) {
    this.dirty = true;
    this.markTabs();
    this.showStatus(message || this.text('unsaved'), 'warning');
    document.getElementById('modeler-status').setAttribute('data-dirty', 'true');
  };

  DraftEdits.prototype.changed = function () { this.markDirty(); };

  /* This file's XML kept, with the revision the edits started from. */
  DraftEdits.prototype.keep = function () {
    var self = this;
    return this.currentXml().then(function (xml) {
      self.kept = self.kept || { revision: self.config.revision, files: {} };
      self.kept.files[self.config.file] = xml;
      self.write();
    });
  };

  /* Every file as the editor has it: the kept edits of the other files and this file's XML. */
  DraftEdits.prototype.sources = function () {
    var self = this;
    return this.currentXml().then(function (xml) {
      var sources = Object.assign({}, self.config.sources, self.kept ? self.kept.files : {});
      sources[self.config.file] = xml;
      return sources;
    });
  };

  DraftEdits.prototype.saved = function (sources) {
    this.config.sources = sources;
    this.kept = null;
    this.write();
    this.dirty = false;
    this.markTabs();
    document.getElementById('modeler-status').setAttribute('data-dirty', 'false');
  };

  DraftEdits.prototype.bind = function () {
    var self = this;
    window.addEventListener('beforeunload', function (event) {
      if (!self.dirty || self.leaving) { return undefined; }
      event.preventDefault();
      event.returnValue = '';
      return '';
    });
    var tabs = document.getElementById('draft-files');
    if (!tabs) { return; }
    tabs.addEventListener('click', function (event) {
      var link = event.target.closest('a[data-file]');
      if (!link || !self.dirty || link.getAttribute('aria-current') === 'page') { return; }
      event.preventDefault();
      if (!window.confirm(self.text('switch_confirm'))) { return; }
      self.keep().then(function () {
        self.leaving = true;
        window.location.href = link.href;
      });
    });
  };

  window.DraftEdits = DraftEdits;
}());
