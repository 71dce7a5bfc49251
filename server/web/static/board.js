// The hall board: current calls in very large type, recent calls, people waiting
// per service, notices and the log's head, fed by the event stream. It recovers by
// itself when the server restarts: it reloads the board and streams on from there.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var board = null;    // GET /api/v1/board, with calls from the stream applied
  var lastSeq = 0;     // the newest event the page has applied
  var stream = null;
  var fresh = {};      // ticket -> ms when its call arrived, for highlighting
  var voice = false;
  var reasons = {};
  var FRESH_MS = 12000;

  document.querySelectorAll('#b-reasons').forEach(function (t) {
    t.content.querySelectorAll('[data-code]').forEach(function (s) {
      reasons[s.getAttribute('data-code')] = [s.getAttribute('data-zh'), s.getAttribute('data-en')];
    });
  });

  function windowName(id) {
    if (board) {
      for (var i = 0; i < board.windows.length; i++) {
        var w = board.windows[i];
        if (w.id === id) return L(w.name_zh, w.name_en);
      }
    }
    return L(id + '号窗口', 'Window ' + id);
  }

  // load reloads the board. A reload between events never goes back behind an
  // event the page has applied; a fresh start (after a reconnection) takes the
  // server's board as it is, even when the server's log was started anew.
  function load(fresh) {
    return H.api('GET', '/api/v1/board').then(function (b) {
      if (!fresh && board && b.seq < lastSeq) { reloadSoon(); return lastSeq; }
      board = b;
      lastSeq = fresh ? b.seq : Math.max(lastSeq, b.seq);
      render();
      return b.seq;
    });
  }
  var reloadSoon = H.throttle(function () { load().catch(function () {}); }, 500);

  function callTag(c) {
    if (c.reason === 'recall') return L('重呼', 'Recall');
    if (c.reason === 'manual') {
      var r = reasons[c.manual_reason];
      return L('人工指定', 'Manual') + (r ? ' · ' + L(r[0], r[1]) : '');
    }
    if (c.reason === 'priority') return L('优先', 'Priority');
    return '';
  }

  function render() {
    if (!board) return;
    var now = Date.now();
    var cur = $('b-current');
    cur.textContent = '';
    var list = board.current.slice(0, 8);
    cur.setAttribute('data-count', String(list.length));
    list.forEach(function (c, i) {
      var tag = callTag(c);
      var li = H.el('li', { class: 'call' + (fresh[c.ticket] && now - fresh[c.ticket] < FRESH_MS ? ' fresh' : '') + (i === 0 ? ' newest' : ''),
        'data-number': c.number, 'data-window': c.window },
        H.el('span', { class: 'num' }, c.number),
        H.el('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
        H.el('span', { class: 'win' }, windowName(c.window)),
        tag ? H.el('span', { class: 'tag' + (c.reason === 'manual' ? ' manual' : '') }, tag) : null);
      cur.appendChild(li);
    });
    $('b-current-empty').hidden = list.length > 0;
    fitCalls();

    var rec = $('b-recent');
    rec.textContent = '';
    board.recent.slice(0, 10).forEach(function (c) {
      var tag = callTag(c);
      rec.appendChild(H.el('li', { class: c.reason === 'manual' ? 'manual' : null },
        H.el('span', { class: 'time' }, H.clock(c.time, false)),
        H.el('span', { class: 'num' }, c.number),
        H.el('span', { class: 'win' }, windowName(c.window)),
        tag ? H.el('span', { class: 'tag' }, tag) : null));
    });
    if (!board.recent.length) rec.appendChild(H.el('li', { class: 'none' }, L('暂无', 'None yet')));

    var svc = $('b-services');
    svc.textContent = '';
    board.services.forEach(function (s) {
      var info = s.available
        ? (s.waiting ? L('预计 ', 'wait ') + H.minutes(s.eta_seconds) : L('无需等候', 'no wait'))
        : L(s.unavailable_zh || '暂停取号', s.unavailable || 'not issuing');
      svc.appendChild(H.el('li', { class: s.available ? null : 'closed' },
        H.el('span', { class: 'name' }, H.el('span', { class: 'prefix' }, s.prefix), L(s.name_zh, s.name_en)),
        H.el('span', { class: 'waiting' }, String(s.waiting)),
        H.el('span', { class: 'info' }, info)));
    });

    var notices = (board.notices || []).map(function (n) { return L(n.text_zh, n.text_en); }).join('　　');
    var nt = $('b-notices-text');
    if (nt.textContent !== notices) nt.textContent = notices;
    $('b-notices').hidden = !notices;
    $('b-head').textContent = L('公开日志 第 ' + lastSeq + ' 条 · ', 'Public log #' + lastSeq + ' · ') + (board.hash || '').slice(0, 12);
  }

  // fitCalls shrinks the current calls until every one fits its row and all
  // of them fit the screen, whatever the language and the windows' names.
  function fitCalls() {
    var list = $('b-current'), box = list.parentElement;
    list.style.fontSize = '';
    var scale = 1;
    for (var i = 0; i < 14; i++) {
      var over = box.scrollHeight > box.clientHeight + 1;
      list.querySelectorAll('.call, .call .win').forEach(function (c) {
        if (c.scrollWidth > c.clientWidth + 1) over = true;
      });
      if (!over) return;
      scale *= 0.88;
      list.style.fontSize = scale + 'em';
    }
  }

  function announce(c) {
    if (!voice || !window.speechSynthesis) return;
    var text = H.lang() === 'en'
      ? 'Number ' + c.number.split('').join(' ') + ', please go to ' + windowName(c.window)
      : '请 ' + c.number + ' 号 到 ' + windowName(c.window) + ' 办理';
    var u = new SpeechSynthesisUtterance(text);
    u.lang = H.lang() === 'en' ? 'en-GB' : 'zh-CN';
    u.rate = 0.9;
    window.speechSynthesis.speak(u);
  }

  function onEvent(ev) {
    var d = ev.data || {};
    lastSeq = ev.seq;
    if (board) {
      board.hash = ev.hash;
      if (ev.type === 'ticket.called' || ev.type === 'ticket.recalled') {
        var c = { seq: ev.seq, time: ev.time, ticket: d.ticket, number: d.number, service: d.service,
          window: d.window, reason: d.reason, manual_reason: d.manual_reason };
        if (!c.service) {
          var prev = board.current.filter(function (x) { return x.ticket === d.ticket; })[0];
          if (prev) c.service = prev.service;
        }
        board.current = board.current.filter(function (x) { return x.window !== d.window && x.ticket !== d.ticket; });
        board.current.unshift(c);
        board.recent.unshift(c);
        board.recent = board.recent.slice(0, 20);
        fresh[d.ticket] = Date.now();
        announce(c);
      } else if (ev.type === 'ticket.no_show' || ev.type === 'ticket.completed' || ev.type === 'ticket.transferred') {
        board.current = board.current.filter(function (x) { return x.ticket !== d.ticket; });
      }
      render();
    }
    if (ev.type.indexOf('lease.') !== 0) reloadSoon();
  }

  function tickClock() {
    var now = stream ? stream.now() : Date.now();
    $('b-clock').textContent = H.date(now) + ' ' + H.clock(now);
    // Calls stop blinking after a while.
    if (board && document.querySelector('#b-current .fresh')) {
      var stale = Object.keys(fresh).some(function (t) { return Date.now() - fresh[t] >= FRESH_MS; });
      if (stale) {
        Object.keys(fresh).forEach(function (t) { if (Date.now() - fresh[t] >= FRESH_MS) delete fresh[t]; });
        render();
      }
    }
  }

  function start() {
    load(true).then(function (seq) {
      stream = new H.Stream(seq, {
        onEvent: onEvent,
        onStatus: function (s) {
          H.showLive($('b-live'), $('b-live-text'), s);
          $('board').classList.toggle('offline', s === 'offline');
        },
        resync: function () { return load(true); }
      });
    }, function () {
      H.showLive($('b-live'), $('b-live-text'), 'offline');
      $('board').classList.add('offline');
      setTimeout(start, 3000);
    });
  }

  function voiceLabel() {
    $('b-voice').textContent = voice ? L('语音播报：开', 'Voice: on') : L('语音播报：关', 'Voice: off');
  }
  $('b-voice').addEventListener('click', function () {
    voice = !voice;
    this.setAttribute('aria-pressed', String(voice));
    voiceLabel();
    if (voice && window.speechSynthesis) {
      window.speechSynthesis.speak(new SpeechSynthesisUtterance(L('语音播报已开启', 'Voice announcements on')));
    }
  });
  window.addEventListener('resize', H.throttle(fitCalls, 200));
  H.onLang(function () {
    render();
    tickClock();
    voiceLabel();
    if (stream) H.showLive($('b-live'), $('b-live-text'), $('b-live').getAttribute('data-state'));
  });
  setInterval(tickClock, 1000);
  tickClock();
  start();
})();
