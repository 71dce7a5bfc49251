// The counter page: a staff member signs in to a window and calls numbers there.
// Every action is a request to the API with the session's CSRF token; the page
// follows the window through the event stream.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var root = $('counter');
  var reinstateSecs = +root.getAttribute('data-reinstate-seconds');

  var me = null;      // {username, name, window, windows, csrf_token}
  var win = null;     // GET /api/v1/windows/{id}
  var board = null;   // GET /api/v1/board, for the current ticket's service and call time
  var stream = null;
  var busy = false;
  var calls = {};     // number -> time of its latest ticket.called, today
  var noShows = {};   // number -> time it was marked a no-show at this window, today
  var msgTimer = null;

  var STATUS = {
    open: ['开放', 'Open'], paused: ['暂停', 'Paused'], closed: ['关闭', 'Closed']
  };
  var TICKET = {
    waiting: ['等候中', 'waiting'], called: ['已叫号', 'called'], completed: ['已办结', 'completed'],
    no_show: ['过号', 'a no-show'], cancelled: ['已取消', 'cancelled']
  };

  function optionName(selectId, value) {
    var o = document.querySelector('#' + selectId + ' option[value="' + CSS.escape(value) + '"]');
    return o ? L(o.getAttribute('data-zh'), o.getAttribute('data-en')) : value;
  }
  function windowName(id) { return optionName('login-window', id); }
  function serviceName(id) { return optionName('f-transfer-service', id); }

  // message shows the outcome of an action: kind is 'ok' or 'error'.
  var lastMessage = null;
  function message(kind, zh, en, detail) {
    lastMessage = [kind, zh, en, detail];
    var m = $('d-msg');
    m.hidden = false;
    m.className = 'msg ' + kind;
    m.textContent = '';
    m.appendChild(document.createTextNode(L(zh, en)));
    if (detail && H.lang() !== 'en') m.appendChild(H.el('small', { class: 'detail' }, detail));
    clearTimeout(msgTimer);
    if (kind === 'ok') msgTimer = setTimeout(function () { m.hidden = true; lastMessage = null; }, 8000);
  }

  // refusal explains in the reader's language why the API refused an action.
  function refusal(action, err) {
    var en = err.message || '';
    if (err.messageZH) return { zh: err.messageZH, en: en };
    var rules = [
      [/is still serving (\S+?):/, function (m) { return '本窗口仍在办理 ' + m[1] + '，请先办结、标记过号或转办。'; }],
      [/is not serving anyone/, function () { return '本窗口当前没有正在办理的号码。'; }],
      [/nobody is waiting/, function () { return '当前没有等候本窗口业务的号码。'; }],
      [/window \S+ is (open|paused|closed)/, function (m) {
        var s = STATUS[m[1]][0];
        return m[1] === 'closed' ? '窗口尚未开启，请先开启窗口。' : '窗口当前为“' + s + '”状态，不能执行此操作。';
      }],
      [/no number "(.*)" today/, function (m) { return '今天没有 ' + m[1] + ' 这个号码。'; }],
      [/number (\S+) is (\w+), not waiting/, function (m) { return m[1] + ' 当前' + (TICKET[m[2]] || [m[2]])[0] + '，不在等候中。'; }],
      [/number (\S+) is (\w+), not a no-show/, function (m) { return m[1] + ' 当前' + (TICKET[m[2]] || [m[2]])[0] + '，不是过号状态。'; }],
      [/missed its call .* within (\S+)/, function () { return '已超过过号后可恢复排队的时限，不能恢复。'; }],
      [/does not serve/, function () { return '本窗口不办理该号码的业务。'; }],
      [/is already in/, function () { return '该号码已经属于这个业务。'; }],
      [/published reasons/, function () { return '指定叫号必须选择一个公布的原因。'; }],
      [/number: required/, function () { return '请输入号码。'; }],
      [/service: required|unknown service/, function () { return '请选择要转到的业务。'; }],
      [/X-CSRF-Token/, function () { return '安全校验失败，操作未执行。请刷新页面后重试。'; }],
      [/outside opening hours/, function () { return '不在开放时间内。'; }]
    ];
    for (var i = 0; i < rules.length; i++) {
      var m = en.match(rules[i][0]);
      if (m) return { zh: rules[i][1](m), en: en };
    }
    var generic = {
      EUNAUTHORIZED: '登录已失效，请重新登录。', EFORBIDDEN: '无权执行此操作。', ENOTFOUND: '未找到。',
      ECONFLICT: '当前状态不允许此操作。', EINVALID: '输入有误。', ERATE: '操作过于频繁，请稍后再试。',
      EUNAVAILABLE: '服务器暂时无法处理，操作未执行，请稍后重试。', ENETWORK: '无法连接服务器，操作未执行，请检查网络后重试。',
      EINTERNAL: '系统内部错误，操作未执行。'
    };
    return { zh: generic[err.code] || '操作未执行。', en: en, detail: en };
  }

  function show(id) {
    $('c-loading').hidden = true;
    $('login').hidden = id !== 'login';
    $('desk').hidden = id !== 'desk';
  }

  function showLogin(zh, en) {
    me = null;
    show('login');
    var m = $('login-msg');
    m.hidden = !zh;
    if (zh) { m.className = 'msg error'; m.textContent = L(zh, en); }
    $('login-username').focus();
  }

  // refresh reloads the window and the board; calls coalesce.
  function refresh() {
    if (!me) return Promise.resolve();
    var id = me.window;
    return Promise.all([
      H.api('GET', '/api/v1/windows/' + encodeURIComponent(id)),
      H.api('GET', '/api/v1/board')
    ]).then(function (r) {
      if (!me || me.window !== id) return;
      win = r[0];
      board = r[1];
      render();
    });
  }
  var refreshSoon = H.throttle(function () { refresh().catch(function () {}); }, 300);

  function boardWindow() {
    if (!board) return null;
    for (var i = 0; i < board.windows.length; i++) if (board.windows[i].id === me.window) return board.windows[i];
    return null;
  }

  // calledAt returns when the current number was called, from the stream, or
  // from the board when the call is older than what the page has seen.
  function calledAt(number) {
    if (calls[number]) return Date.parse(calls[number]);
    if (board) {
      for (var i = 0; i < board.current.length; i++) {
        var c = board.current[i];
        if (c.window === me.window && c.number === number) return Date.parse(c.time);
      }
    }
    return null;
  }

  function setDim(action, dim) {
    document.querySelectorAll('#desk [data-action="' + action + '"]').forEach(function (b) {
      b.classList.toggle('dim', dim);
    });
  }

  function render() {
    if (!me || !win) return;
    $('d-window').textContent = L(win.name_zh, win.name_en);
    var st = $('d-status');
    st.setAttribute('data-status', win.status);
    st.textContent = L.apply(null, STATUS[win.status] || [win.status, win.status]);
    $('d-staff').textContent = (me.name || '') + ' (' + me.username + ')';
    var cur = win.current || '';
    $('d-current').textContent = cur || '—';
    var bw = boardWindow();
    $('d-current-service').textContent = cur && bw && bw.current === cur && bw.service ? serviceName(bw.service) : '';
    $('d-elapsed-wrap').hidden = !cur;
    $('d-appt').hidden = !(cur && win.current_appointment);
    $('d-appt-badge').textContent = win.current_late ? L('预约号（迟到，按现场号排队）', 'Appointment (late: queued as a walk-in)') : L('预约号', 'Appointment');
    $('d-appt-verified').textContent = { match: L('证件已核验：一致', 'Document checked: matches'),
      mismatch: L('证件已核验：不一致', 'Document checked: does not match') }[win.current_verified] || L('证件未核验', 'Document not checked');
    $('d-appt-verified').setAttribute('data-verified', win.current_verified || '');
    tick();

    var open = win.status === 'open', paused = win.status === 'paused', closed = win.status === 'closed';
    setDim('call-next', !open || !!cur);
    ['recall', 'complete', 'no-show'].forEach(function (a) { setDim(a, !cur); });
    $('d-open').hidden = !closed;
    $('d-pause').hidden = !open;
    $('d-resume').hidden = !paused;
    $('d-close').hidden = closed;

    $('d-waiting').textContent = win.waiting;
    var next = $('d-next');
    next.textContent = '';
    (win.next || []).forEach(function (n) { next.appendChild(H.el('li', null, n)); });
    if (!(win.next || []).length) next.appendChild(H.el('li', { class: 'none' }, L('无人等候', 'nobody waiting')));
    $('d-served').textContent = win.served;
    $('d-noshow-count').textContent = win.no_shows;
    $('d-avg').textContent = win.served ? H.span(win.avg_service_seconds) : '–';
    renderNoShows();
  }

  function renderNoShows() {
    var ul = $('d-noshows');
    ul.textContent = '';
    var now = stream ? stream.now() : Date.now();
    Object.keys(noShows).sort().forEach(function (n) {
      var at = Date.parse(noShows[n]);
      if (now - at > reinstateSecs * 1000) return;
      var b = H.el('button', { type: 'button', 'data-reinstate': n }, L('恢复 ', 'Reinstate ') + n);
      ul.appendChild(H.el('li', null,
        H.el('span', null, n + ' · ' + L('过号于 ', 'missed at ') + H.clock(at, false)), b));
    });
  }

  function tick() {
    if (!win || !win.current) return;
    var at = calledAt(win.current);
    $('d-elapsed').textContent = at ? H.span(((stream ? stream.now() : Date.now()) - at) / 1000) : '–';
  }

  var DONE = {
    'call-next': ['已呼叫 %s', 'Called %s'], call: ['已指定呼叫 %s', 'Called %s out of order'],
    recall: ['已重呼 %s', 'Recalled %s'], 'no-show': ['%s 已标记过号', '%s marked as a no-show'],
    complete: ['%s 已办结', '%s completed'], transfer: ['%s 已转办', '%s transferred'],
    cancel: ['%s 已取消', '%s cancelled'], reinstate: ['%s 已恢复排队', '%s rejoined the queue'], open: ['窗口已开启', 'Window opened'],
    pause: ['窗口已暂停', 'Window paused'], resume: ['窗口已恢复', 'Window resumed'], close: ['窗口已关闭', 'Window closed']
  };

  // act performs a window action. One action at a time: a second press while
  // the first is on its way (a double click, a repeated key) does nothing but
  // say so, so that nobody is called twice by accident.
  // verify checks the visitor's document against the booking of the ticket
  // being served; the log records only whether it matched.
  function verify(e) {
    e.preventDefault();
    if (!me) return;
    var input = $('d-verify-number');
    H.api('POST', '/api/v1/windows/' + encodeURIComponent(me.window) + '/verify-document', { id_number: input.value }, me.csrf_token)
      .then(function (r) {
        input.value = '';
        if (r.match) message('ok', '证件与预约一致。', 'The document matches the booking.');
        else message('error', '证件与预约不一致。', 'The document does not match the booking.');
        return refresh();
      }, function (err) {
        message('error', err.messageZH || err.message, err.message);
      });
  }

  function act(action, body) {
    if (!me) return Promise.resolve();
    if (busy) {
      message('error', '上一个操作正在处理，请稍候再按。', 'The previous action is still on its way; press again in a moment.');
      return Promise.resolve();
    }
    busy = true;
    var signedIn = me;
    return H.api('POST', '/api/v1/windows/' + encodeURIComponent(me.window) + '/' + action, body || null, me.csrf_token)
      .then(function (r) {
        busy = false;
        var n = (r.ticket && r.ticket.number) || (body && body.number) || '';
        var t = DONE[action];
        var zh = t[0].replace('%s', n), en = t[1].replace('%s', n);
        if (action === 'transfer' && body) { zh += '：' + serviceName(body.service); en += ' to ' + serviceName(body.service); }
        message('ok', zh, en);
        return refresh();
      }, function (err) {
        busy = false;
        if (err.code === 'EUNAUTHORIZED') {
          showLogin('登录已失效，请重新登录。', 'Your session has ended; sign in again.');
          return;
        }
        var r = refusal(action, err);
        message('error', r.zh, r.en, r.detail);
        if (err.code === 'EFORBIDDEN') return recheckSession(signedIn);
      })
      .catch(function () { /* shown */ });
  }

  // recheckSession finds out whether the browser's session changed under the
  // page (a sign-in in another tab), and follows it.
  function recheckSession(before) {
    return H.api('GET', '/api/v1/me').then(function (now) {
      if (now.window !== before.window || now.csrf_token !== before.csrf_token) {
        message('error', '本页的登录已被替换：您现在登录的是' + windowName(now.window) + '，操作未执行。本页已切换到该窗口。',
          'This page\'s sign-in was replaced: you are now signed in to ' + windowName(now.window) + '; nothing was done. The page now shows that window.');
        startDesk(now, true);
      }
    }, function (err) {
      if (err.code === 'EUNAUTHORIZED') showLogin('登录已失效，请重新登录。', 'Your session has ended; sign in again.');
    });
  }

  function onEvent(ev) {
    var d = ev.data || {};
    switch (ev.type) {
      case 'day.opened':
        calls = {}; noShows = {};
        break;
      case 'ticket.called':
        calls[d.number] = ev.time;
        delete noShows[d.number];
        break;
      case 'ticket.no_show':
        if (me && d.window === me.window) noShows[d.number] = ev.time;
        break;
      case 'ticket.reinstated':
      case 'ticket.cancelled':
        delete noShows[d.number];
        break;
    }
    if (ev.type.indexOf('lease.') !== 0) refreshSoon();
  }

  function startDesk(m, keepMessage) {
    me = m;
    calls = {}; noShows = {};
    if (!keepMessage) $('d-msg').hidden = true;
    return refresh().then(function () {
      show('desk');
      if (stream) stream.close();
      // Replay the recent log for today's no-shows and call times, then go live.
      var after = Math.max(0, (win ? win.seq : 0) - 2000);
      var s = stream = new H.Stream(after, {
        onEvent: function (ev) { if (stream === s) onEvent(ev); },
        onStatus: function (st) { if (stream === s) H.showLive($('d-live'), $('d-live-text'), st); },
        resync: function () { return refresh().then(function () { return Math.min(s.after, win ? win.seq : 0); }); }
      });
    });
  }

  function boot() {
    H.api('GET', '/api/v1/me').then(function (m) { startDesk(m); }, function (err) {
      if (err.code === 'EUNAUTHORIZED') showLogin();
      else showLogin('无法读取登录状态：' + (err.messageZH || err.message), 'Cannot read the sign-in: ' + err.message);
    });
  }

  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var body = { username: $('login-username').value.trim(), password: $('login-password').value };
    var w = $('login-window').value;
    if (w) body.window = w;
    $('login-submit').disabled = true;
    H.api('POST', '/api/v1/login', body).then(function (r) {
      $('login-password').value = '';
      $('login-msg').hidden = true;
      return startDesk({ username: r.username, name: r.name, window: r.window, windows: r.windows, csrf_token: r.csrf_token });
    }, function (err) {
      var zh = err.messageZH, en = err.message || '';
      // The windows the staff member may sign in to, named as on the screens.
      var m = en.match(/window .*allowed: \[(.*)\]|window: choose one of \[(.*)\]/);
      var list = m ? (m[1] || m[2] || '').split(' ').map(windowName).join('、') : '';
      if (err.code === 'EFORBIDDEN' && m) zh = '您不能登录这个窗口。您可以登录：' + list + '。';
      else if (err.code === 'EINVALID' && m) zh = '您可以登录多个窗口，请选择一个：' + list + '。';
      else if (!zh) zh = refusal('login', err).zh;
      showLogin(zh, en);
    }).then(function () { $('login-submit').disabled = false; });
  });

  $('d-logout').addEventListener('click', function () {
    if (!me) return;
    H.api('POST', '/api/v1/logout', null, me.csrf_token).catch(function () {}).then(function () {
      if (stream) { stream.close(); stream = null; }
      showLogin('已退出登录。', 'Signed out.');
      $('login-msg').className = 'msg ok';
    });
  });

  $('desk').addEventListener('click', function (e) {
    var b = e.target.closest('[data-action]');
    if (b) { act(b.getAttribute('data-action')); return; }
    var r = e.target.closest('[data-reinstate]');
    if (r) act('reinstate', { number: r.getAttribute('data-reinstate') });
  });

  $('d-verify').addEventListener('submit', verify);
  $('f-transfer').addEventListener('submit', function (e) {
    e.preventDefault();
    var svc = $('f-transfer-service').value;
    act('transfer', { service: svc, reason: $('f-transfer-reason').value }).then(function () {
      $('f-transfer-service').value = ''; $('f-transfer-reason').value = '';
    });
  });
  $('f-cancel').addEventListener('submit', function (e) {
    e.preventDefault();
    act('cancel', { number: $('f-cancel-number').value.trim().toUpperCase(), reason: $('f-cancel-reason').value }).then(function () {
      $('f-cancel-number').value = ''; $('f-cancel-reason').value = '';
    });
  });
  $('f-call').addEventListener('submit', function (e) {
    e.preventDefault();
    var n = $('f-call-number').value.trim().toUpperCase();
    act('call', { number: n, reason: $('f-call-reason').value }).then(function () {
      if (win && win.current === n) { $('f-call-number').value = ''; $('f-call-reason').value = ''; }
    });
  });
  $('f-reinstate').addEventListener('submit', function (e) {
    e.preventDefault();
    act('reinstate', { number: $('f-reinstate-number').value.trim().toUpperCase() }).then(function () {
      $('f-reinstate-number').value = '';
    });
  });

  // Keyboard shortcuts, when not typing in a field.
  var KEYS = { n: 'call-next', r: 'recall', c: 'complete', x: 'no-show', o: 'open' };
  document.addEventListener('keydown', function (e) {
    if ($('desk').hidden || e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
    var t = e.target;
    var typing = t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
    if (e.key === 'Escape') { if (typing) t.blur(); return; }
    if (typing) return;
    var k = e.key.toLowerCase();
    var action = KEYS[k];
    if (k === 'p' && win) action = win.status === 'paused' ? 'resume' : 'pause';
    if (action) {
      e.preventDefault();
      var b = document.querySelector('#desk [data-action="' + action + '"]');
      if (b) { b.classList.add('pressed'); setTimeout(function () { b.classList.remove('pressed'); }, 200); }
      act(action);
    } else if (k === 't') {
      e.preventDefault();
      $('f-transfer-service').focus();
    } else if (k === 'm') {
      e.preventDefault();
      $('f-call-number').focus();
    }
  });

  setInterval(function () { tick(); }, 1000);
  setInterval(function () { renderNoShows(); }, 30000);
  H.onLang(function () {
    render();
    if (lastMessage && !$('d-msg').hidden) message.apply(null, lastMessage);
    if (stream) H.showLive($('d-live'), $('d-live-text'), $('d-live').getAttribute('data-state'));
  });
  boot();
})();
