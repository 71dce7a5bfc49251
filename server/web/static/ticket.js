// The ticket status page: follows one number through the API and the event
// stream, without reloading.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var box = $('ticket');
  var token = box.getAttribute('data-token');
  var reinstateMinutes = +box.getAttribute('data-reinstate-minutes');
  var ticket = null;
  var stream = null;
  var prefix = '';

  function fetchTicket() {
    return H.api('GET', '/api/v1/tickets/' + encodeURIComponent(token)).then(function (r) {
      var before = ticket && ticket.status;
      ticket = r.ticket;
      prefix = ticket.number.replace(/\d+$/, '');
      render();
      if (before && before !== 'called' && ticket.status === 'called') {
        if (alertAt !== null) {
          vibrate([300, 150, 300]);
          notify(L('请到 ', 'Please go to ') + windowName(ticket) + ' ' + ticket.number, 'called');
        }
      }
      checkClose();
      $('t-error').hidden = true;
    }, function (err) {
      showError(err);
      throw err;
    });
  }

  // "Almost your turn": while the page is open, a notification (and a
  // vibration where allowed) when the people ahead fall to the chosen level,
  // and when the number is called. The choice stays on this device only.
  var alertAt = null;   // the chosen level, or null when off
  var alerted = false;  // the "close" notification was raised
  var ALERT_KEY = 'hallq.alert.' + token;
  try {
    var saved = localStorage.getItem(ALERT_KEY);
    if (saved !== null && saved !== '') alertAt = +saved;
  } catch (e) { /* storage blocked: off */ }

  function vibrate(pattern) {
    if (navigator.vibrate) {
      try { navigator.vibrate(pattern); } catch (e) { /* not allowed */ }
    }
  }

  function notify(body, tag) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    try {
      new Notification(ticket.number, { body: body, tag: tag + '-' + ticket.number, lang: H.lang() === 'en' ? 'en' : 'zh-CN' });
    } catch (e) { /* phones without page notifications: the vibration remains */ }
  }

  function checkClose() {
    if (alertAt === null || alerted || !ticket || ticket.status !== 'waiting' || ticket.ahead > alertAt) return;
    alerted = true;
    vibrate([200, 100, 200]);
    notify(L('前面还有 ' + ticket.ahead + ' 人，请到窗口附近等候。', ticket.ahead + ' ahead of you: please wait near the windows.'), 'close');
    renderAlert();
  }

  function renderAlert() {
    var form = $('t-alert');
    form.hidden = !ticket || ticket.status !== 'waiting' && ticket.status !== 'called';
    var st = $('t-alert-state');
    if (alertAt === null) {
      st.textContent = '';
      $('t-alert-on').textContent = L('开启提醒', 'Remind me');
    } else {
      if ($('t-alert-at').value !== String(alertAt)) $('t-alert-at').value = String(alertAt);
      var denied = 'Notification' in window && Notification.permission === 'denied';
      st.textContent = (alerted ? L('已提醒。', 'Reminded. ') : L('已开启：前面剩 ' + alertAt + ' 人时和叫号时提醒（请保持本页打开）。',
        'On: when ' + alertAt + ' are ahead and when called (keep this page open).')) +
        (denied ? L('浏览器不允许通知，只能振动提醒。', ' Notifications are blocked; vibration only.') : '');
      $('t-alert-on').textContent = L('更改', 'Change');
    }
  }

  function showError(err) {
    var e = $('t-error');
    e.hidden = false;
    if (err.code === 'ENOTFOUND') {
      e.textContent = L('未找到这个号码；号码只在取号当天有效。', 'This number was not found; numbers are valid on the day they are taken.');
    } else if (err.code === 'ENETWORK') {
      e.textContent = L('暂时无法连接服务器，恢复后会自动更新。', 'The server cannot be reached; the page updates when it is back.');
    } else {
      e.textContent = L(err.messageZH || '出错了：' + err.message, err.message);
    }
  }

  function windowName(t) {
    return L(t.window_name_zh || (t.window + '号窗口'), t.window_name_en || ('Window ' + t.window));
  }

  function render() {
    if (!ticket) return;
    var t = ticket;
    renderAlert();
    $('t-number').textContent = t.number;
    $('t-service').textContent = L(t.service_name_zh, t.service_name_en);
    var state = $('t-state');
    state.setAttribute('data-status', t.status);
    var title = '', detail = '';
    var waiting = t.status === 'waiting';
    switch (t.status) {
      case 'waiting':
        title = L('排队中', 'Waiting');
        detail = t.ahead === 0 ? L('您是下一位，请留意叫号。', 'You are next: listen for your number.')
          : L('请留意大屏和广播叫号。', 'Watch the board and listen for your number.');
        if (t.priority) detail = L('优先号。', 'Priority number. ') + detail;
        break;
      case 'called':
        title = L('请到' + windowName(t) + '办理', 'Please go to ' + windowName(t));
        detail = L('已叫号', 'Called') + (t.called_at ? ' ' + H.clock(t.called_at, false) : '') +
          L('，正在' + windowName(t) + '办理。', ' — being served at ' + windowName(t) + '.');
        break;
      case 'completed':
        title = L('已办结', 'Done');
        detail = L('业务已办结，感谢您的耐心等候。', 'Your business is complete. Thank you for waiting.');
        break;
      case 'no_show':
        title = L('已过号', 'Missed (no-show)');
        detail = L('叫号时您未到窗口。请在过号后 ' + reinstateMinutes + ' 分钟内到' + (t.window_name_zh || '窗口') + '申请恢复排队，超时请重新取号。',
          'You were not at the window when called. Ask at ' + (t.window_name_en || 'the window') + ' within ' + reinstateMinutes + ' minutes of the call to rejoin the queue; after that, take a new number.');
        break;
      case 'cancelled':
        title = L('已取消', 'Withdrawn');
        detail = L('这个号码已放弃排队。', 'This number has left the queue.');
        break;
      default:
        title = t.status;
    }
    $('t-title').textContent = title;
    $('t-detail').textContent = detail;
    $('t-facts').hidden = !waiting;
    fact($('t-ahead'), waiting ? ['', String(t.ahead), L('人', t.ahead === 1 ? 'person' : 'people')] : null);
    fact($('t-eta'), waiting ? etaParts(t.eta_seconds) : null);
    var meta = $('t-meta');
    meta.textContent = L('取号时间 ', 'Taken at ') + H.clock(t.issued_at, false) +
      L(' · 公开日志第 ' + t.seq + ' 条 ', ' · public log record ' + t.seq + ' ');
    if (t.hash) meta.appendChild(H.el('code', { title: t.hash }, t.hash.slice(0, 12)));
    $('t-cancel').hidden = !waiting;
    if (!waiting) $('t-cancel-confirm').hidden = true;
    document.title = t.number + ' · ' + title;
    // The rating form (rating.js) follows the ticket.
    box.dispatchEvent(new CustomEvent('hallq:ticket', { detail: t }));
  }

  // fact shows a figure as [before, value, unit], the value large.
  function fact(dd, parts) {
    dd.textContent = '';
    if (!parts) { dd.textContent = '–'; return; }
    if (parts[0]) dd.appendChild(H.el('span', { class: 'unit' }, parts[0] + ' '));
    dd.appendChild(H.el('span', { class: 'value' }, parts[1]));
    if (parts[2]) dd.appendChild(H.el('span', { class: 'unit' }, ' ' + parts[2]));
  }

  // etaParts splits an estimated wait into [about, value, unit].
  function etaParts(secs) {
    if (secs <= 0) return ['', L('即将', 'soon'), ''];
    var m = Math.max(1, Math.round(secs / 60));
    if (m >= 90) {
      var h = Math.round(m / 6) / 10;
      return [L('约', 'about'), String(h), L('小时', 'h')];
    }
    return [L('约', 'about'), String(m), L('分钟', 'min')];
  }

  // relevant tells whether an event may change this ticket's place or wait.
  function relevant(ev) {
    var d = ev.data || {};
    if (!ticket) return true;
    if (ev.type.indexOf('window.') === 0 || ev.type.indexOf('day.') === 0) return true;
    if (d.service === ticket.service || d.to === ticket.service || d.from === ticket.service) return true;
    return typeof d.number === 'string' && d.number.replace(/\d+$/, '') === prefix;
  }

  var refetchSoon = H.throttle(function () { fetchTicket().catch(function () {}); }, 1500);

  function onEvent(ev) {
    var d = ev.data || {};
    if (ticket && d.ticket === ticket.id) {
      fetchTicket().catch(function () {});
    } else if (relevant(ev)) {
      refetchSoon();
    }
  }

  function start() {
    var head = +box.getAttribute('data-head');
    fetchTicket().catch(function () {});
    stream = new H.Stream(head, {
      onEvent: onEvent,
      onStatus: function (s) { H.showLive($('t-live'), $('t-live-text'), s); },
      resync: function () {
        return H.head().then(function (h) {
          return fetchTicket().then(function () { return h.seq; });
        });
      }
    });
    H.onLang(function () {
      render();
      if (stream) H.showLive($('t-live'), $('t-live-text'), $('t-live').getAttribute('data-state'));
    });

    $('t-alert').addEventListener('submit', function (e) {
      e.preventDefault();
      alertAt = +$('t-alert-at').value;
      alerted = false;
      try { localStorage.setItem(ALERT_KEY, String(alertAt)); } catch (err) { /* this visit only */ }
      var ask = 'Notification' in window && Notification.permission === 'default' ? Notification.requestPermission() : Promise.resolve();
      Promise.resolve(ask).catch(function () {}).then(function () { renderAlert(); checkClose(); });
    });

    $('t-cancel-ask').addEventListener('click', function () { $('t-cancel-confirm').hidden = false; });
    $('t-cancel-no').addEventListener('click', function () { $('t-cancel-confirm').hidden = true; });
    $('t-cancel-yes').addEventListener('click', function () {
      H.api('POST', '/api/v1/tickets/' + encodeURIComponent(token) + '/cancel').then(function (r) {
        ticket = r.ticket;
        render();
      }, showError);
    });
  }
  start();
})();
