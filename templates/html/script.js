/*
  techfile: optional page behaviour (progressive enhancement)
  ===========================================================

  Copied next to the pages as script.js and loaded with <script defer>. Every page is fully
  usable without it; it only adds:
    1. a search box over the sidebar entries (every page);
    2. a status filter (All / Backed / Gap / Tailored) over the rows of the compliance
       matrix (body[data-page-kind="matrix"]), using the rows' data-status attribute.
  Works from file:// with no network. It reads page text only through textContent and
  writes text only through textContent: it never builds markup from page content.
*/
(function () {
  'use strict';

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var name in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, name)) node.setAttribute(name, attrs[name]);
      }
    }
    if (text) node.textContent = text;
    return node;
  }

  function norm(s) {
    return (s || '').toLowerCase().replace(/\s+/g, ' ').trim();
  }

  /* ---- 1. Sidebar search ---------------------------------------------------------- */

  function setupNavSearch() {
    var nav = document.getElementById('tf-nav');
    if (!nav) return;
    var entries = nav.querySelectorAll('li.nav-entry');
    if (entries.length < 2) return;

    var box = el('div', { 'class': 'nav-search', 'role': 'search' });
    var label = el('label', { 'for': 'tf-nav-search' }, 'Find a page');
    var input = el('input', {
      'type': 'search', 'id': 'tf-nav-search', 'placeholder': 'ID, title or heading',
      'autocomplete': 'off', 'spellcheck': 'false', 'aria-controls': 'tf-nav'
    });
    var empty = el('p', { 'class': 'nav-search-empty', 'role': 'status' });
    empty.hidden = true;
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(empty);
    var hits = el('ul', { 'class': 'nav-hits', 'aria-label': 'Matching headings' });
    hits.hidden = true;
    box.appendChild(hits);
    nav.insertBefore(box, nav.firstChild);

    var groups = nav.querySelectorAll('.nav-group');

    function apply() {
      var q = norm(input.value);
      var shown = 0;
      for (var i = 0; i < entries.length; i++) {
        var match = q === '' || norm(entries[i].textContent).indexOf(q) !== -1;
        entries[i].hidden = !match;
        if (match) shown++;
      }
      // Hide headings (and lists) left without a visible entry.
      for (var g = 0; g < groups.length; g++) {
        var lists = groups[g].querySelectorAll('ul');
        var groupVisible = false;
        for (var l = 0; l < lists.length; l++) {
          var any = lists[l].querySelector('li.nav-entry:not([hidden])') !== null;
          lists[l].hidden = !any;
          var prev = lists[l].previousElementSibling;
          if (prev && prev.classList.contains('nav-subheading')) prev.hidden = !any;
          if (any) groupVisible = true;
        }
        groups[g].hidden = !groupVisible;
      }
      // Headings of every document, from search-index.js (written by techfile).
      while (hits.firstChild) hits.removeChild(hits.firstChild);
      var index = window.TECHFILE_SEARCH || [];
      var found = 0;
      if (q.length >= 2) {
        for (var d = 0; d < index.length && found < 20; d++) {
          var hs = index[d].headings || [];
          for (var h = 0; h < hs.length && found < 20; h++) {
            if (norm(hs[h][0]).indexOf(q) === -1) continue;
            var a = el('a', { 'href': index[d].id + '.html#' + hs[h][1] }, hs[h][0]);
            var li = el('li', { 'class': 'nav-hit' });
            li.appendChild(a);
            li.appendChild(el('span', { 'class': 'nav-hit-doc' }, ' ' + index[d].id));
            hits.appendChild(li);
            found++;
          }
        }
      }
      hits.hidden = found === 0;
      shown += found;
      empty.hidden = shown !== 0;
      empty.textContent = shown === 0 ? 'No page matches.' : '';
    }

    input.addEventListener('input', apply);
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && input.value !== '') {
        input.value = '';
        apply();
      }
    });
  }

  /* ---- 2. Matrix status filter ---------------------------------------------------- */

  var FILTERS = [
    { value: 'all', label: 'All' },
    { value: 'backed', label: 'Backed' },
    { value: 'gap', label: 'Gap' },
    { value: 'tailored', label: 'Tailored' }
  ];

  function restripe(rows) {
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      rows[i].classList.toggle('stripe', !rows[i].hidden && n % 2 === 1);
      if (!rows[i].hidden) n++;
    }
  }

  function setupStatusFilter(table, index) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = [];
    for (var r = 0; r < body.rows.length; r++) rows.push(body.rows[r]);
    var statusRows = rows.filter(function (tr) { return tr.hasAttribute('data-status'); });
    if (statusRows.length === 0) return;

    var counts = { all: rows.length };
    statusRows.forEach(function (tr) {
      var s = tr.getAttribute('data-status');
      counts[s] = (counts[s] || 0) + 1;
    });

    var bar = el('div', { 'class': 'status-filter', 'role': 'group',
                          'aria-label': 'Filter rows by status' });
    bar.appendChild(el('span', { 'class': 'filter-label', 'aria-hidden': 'true' }, 'Show'));
    var live = el('p', { 'class': 'filter-count', 'aria-live': 'polite',
                         'id': 'tf-filter-count-' + index });
    var buttons = [];

    function select(value) {
      var shown = 0;
      rows.forEach(function (tr) {
        var show = value === 'all' || tr.getAttribute('data-status') === value;
        tr.hidden = !show;
        if (show) shown++;
      });
      buttons.forEach(function (b) {
        b.setAttribute('aria-pressed', b.getAttribute('data-value') === value ? 'true' : 'false');
      });
      table.classList.toggle('filtered', value !== 'all');
      restripe(rows);
      live.textContent = 'Showing ' + shown + ' of ' + rows.length + ' rows';
    }

    FILTERS.forEach(function (f) {
      var n = counts[f.value] || 0;
      var b = el('button', { 'type': 'button', 'data-value': f.value,
                             'aria-pressed': f.value === 'all' ? 'true' : 'false',
                             'aria-controls': 'tf-filter-count-' + index },
                 f.label + ' (' + n + ')');
      b.addEventListener('click', function () { select(f.value); });
      buttons.push(b);
      bar.appendChild(b);
    });
    bar.appendChild(live);

    var anchor = table.parentNode && table.parentNode.classList.contains('table-wrap')
      ? table.parentNode : table;
    anchor.parentNode.insertBefore(bar, anchor);
    select('all');

    // A link to a row (compliance-matrix.html#clause-5.8.6) must never land on a hidden row.
    window.addEventListener('hashchange', function () {
      var id;
      try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
      var target = id ? document.getElementById(id) : null;
      if (target && target.hidden && rows.indexOf(target) !== -1) {
        select('all');
        target.scrollIntoView();
      }
    });
  }

  function setupMatrix() {
    if (document.body.getAttribute('data-page-kind') !== 'matrix') return;
    var tables = document.querySelectorAll('main table.md-table');
    for (var i = 0; i < tables.length; i++) setupStatusFilter(tables[i], i + 1);
  }

  function init() {
    try { setupNavSearch(); } catch (e) { /* enhancement only: the page works without it */ }
    try { setupMatrix(); } catch (e) { /* idem */ }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
