/**
 * The console's only script, served from /admin/assets/console.js: progressive enhancement over pages that
 * work without it (issue 6). It never builds markup from data: live regions receive HTML the server already
 * escaped (http/console/html.ts) and swap it in whole.
 *
 * - `[data-live="/admin/live/…"]` regions poll that JSON endpoint (`{version, html}`) every few seconds
 *   while the tab is visible, so new messages and enrichment results appear without a reload;
 * - `<time datetime>` is shown in the reader's time zone;
 * - forms with `data-confirm` ask first; a submitted form's buttons are disabled against double sends;
 * - Ctrl/⌘+Enter sends a reply; `select[data-autosubmit]` submits its form on change;
 * - a reply form's Send button follows the live reply-window notice (`data-window`): off while closed;
 * - a reply being sent is kept in sessionStorage until a page says it went (`data-sent`): when the session
 *   had run out, the login brings the operator back to the page and the text is put back in the box.
 */
export const CONSOLE_SCRIPT = String.raw`(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function localizeTimes(root) {
    var times = root.querySelectorAll('time[datetime]');
    for (var i = 0; i < times.length; i++) {
      var d = new Date(times[i].getAttribute('datetime'));
      if (isNaN(d.getTime())) continue;
      times[i].title = times[i].textContent;
      times[i].textContent = d.toLocaleString(undefined, {
        year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit'
      });
    }
  }

  function scrollThreads(root, force) {
    var lists = root.querySelectorAll('.thread');
    for (var i = 0; i < lists.length; i++) {
      var el = lists[i];
      if (force || el.getAttribute('data-at-bottom') !== 'no') el.scrollTop = el.scrollHeight;
    }
  }

  function syncSend(region) {
    var notice = region.querySelector('[data-window]');
    if (!notice) return;
    var closed = notice.getAttribute('data-window') !== 'open';
    var forms = document.querySelectorAll('form[data-reply]');
    for (var i = 0; i < forms.length; i++) {
      var send = forms[i].querySelector('button[type=submit]');
      if (send) send.disabled = closed;
      var why = forms[i].querySelector('[data-send-closed]');
      if (why) why.hidden = !closed;
    }
  }

  function startLive(region) {
    var url = region.getAttribute('data-live');
    var every = Number(region.getAttribute('data-live-interval')) || 2500;
    var busy = false;
    function tick() {
      if (busy || document.hidden) return;
      busy = true;
      fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
        .then(function (res) {
          if (res.status === 401) { window.location.reload(); return null; }
          return res.ok ? res.json() : null;
        })
        .then(function (data) {
          if (!data || data.version === region.getAttribute('data-live-version')) return;
          var thread = region.querySelector('.thread');
          var atBottom = !thread || thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
          region.innerHTML = data.html;
          region.setAttribute('data-live-version', data.version);
          localizeTimes(region);
          var fresh = region.querySelectorAll('.thread');
          for (var i = 0; i < fresh.length; i++) fresh[i].setAttribute('data-at-bottom', atBottom ? 'yes' : 'no');
          scrollThreads(region, false);
          syncSend(region);
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ })
        .then(function () { busy = false; });
    }
    setInterval(tick, every);
    document.addEventListener('visibilitychange', tick);
  }

  var DRAFT = 'wxoa-reply-draft:';

  function keepDraft(form) {
    var box = form.querySelector('textarea');
    if (!box) return;
    try { window.sessionStorage.setItem(DRAFT + form.getAttribute('action'), box.value); } catch (e) { /* storage off */ }
  }

  function restoreDrafts() {
    var forms = document.querySelectorAll('form[data-reply]');
    for (var i = 0; i < forms.length; i++) {
      var key = DRAFT + forms[i].getAttribute('action');
      var saved = null;
      try { saved = window.sessionStorage.getItem(key); } catch (e) { continue; }
      if (saved === null) continue;
      if (forms[i].hasAttribute('data-sent')) { window.sessionStorage.removeItem(key); continue; }
      var box = forms[i].querySelector('textarea');
      // A box the server filled (a refused send) keeps the server's text.
      if (box && box.value === '') box.value = saved;
    }
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    if (form.hasAttribute('data-reply')) keepDraft(form);
    // Disabled after the submit is under way, so the clicked button's own name and value still go with it.
    setTimeout(function () {
      var buttons = form.querySelectorAll('button');
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    }, 0);
  });

  document.addEventListener('keydown', function (event) {
    var t = event.target;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && t.tagName === 'TEXTAREA' && t.form) {
      event.preventDefault();
      if (t.form.requestSubmit) t.form.requestSubmit(); else t.form.submit();
    }
  });

  document.addEventListener('change', function (event) {
    var t = event.target;
    if (t.matches && t.matches('select[data-autosubmit]') && t.form) t.form.submit();
  });

  function init() {
    restoreDrafts();
    localizeTimes(document);
    scrollThreads(document, true);
    var regions = document.querySelectorAll('[data-live]');
    for (var i = 0; i < regions.length; i++) startLive(regions[i]);
    var autofocus = document.querySelector('[data-focus]');
    if (autofocus) autofocus.focus();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
`;
