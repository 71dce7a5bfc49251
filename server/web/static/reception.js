// The reception desk page (导服台): a reception staff member signs in to a desk
// and takes numbers or checks in bookings for people who cannot use a kiosk.
// Every action is a request to the API with the session's CSRF token.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var me = null;   // the session: {username, name, role, desk, desks, csrf_token}
  var desk = null; // GET /api/v1/desk
  var busy = false;
  var lastResult = null;

  function show(id) {
    $('r-loading').hidden = true;
    $('r-login').hidden = id !== 'login';
    $('r-work').hidden = id !== 'work';
  }

  function optionName(selectId, value) {
    var o = document.querySelector('#' + selectId + ' option[value="' + CSS.escape(value) + '"]');
    return o ? L(o.getAttribute('data-zh'), o.getAttribute('data-en')) : value;
  }

  // errorText is a refusal of the API in the reader's language.
  function errorText(err) {
    if (err.messageZH) return L(err.messageZH, err.message);
    var generic = {
      EUNAUTHORIZED: ['登录已失效，请重新登录。', 'Please sign in again.'],
      EFORBIDDEN: ['无权执行此操作。', 'Not allowed.'],
      ERATE: ['操作过于频繁，请稍后再试。', 'Too fast; try again in a moment.'],
      ENETWORK: ['无法连接服务器，请检查网络后重试。', 'The server cannot be reached.']
    };
    var g = generic[err.code];
    return g ? L(g[0], err.message || g[1]) : L('操作未完成：', 'Not done: ') + err.message;
  }

  function message(kind, text) {
    var m = $('r-msg');
    m.hidden = false;
    m.className = 'msg ' + kind;
    m.textContent = text;
  }

  function showLogin(text) {
    me = null;
    show('login');
    var m = $('r-login-msg');
    m.hidden = !text;
    if (text) { m.className = 'msg error'; m.textContent = text; }
    $('r-username').focus();
  }

  function start(session) {
    me = session;
    if (me.role !== 'reception' || !me.desk) {
      H.api('POST', '/api/v1/logout', null, me.csrf_token).catch(function () {});
      showLogin(L('该账号不是导服台账号，请用窗口叫号页面登录。', 'This account is not a reception account; use the counter page.'));
      return;
    }
    H.api('GET', '/api/v1/desk').then(function (d) {
      desk = d;
      renderHead();
      var svc = $('r-service');
      Array.prototype.forEach.call(svc.options, function (o) {
        o.hidden = !!o.value && d.services && d.services.length > 0 && d.services.indexOf(o.value) < 0;
      });
      $('r-print').checked = $('r-ci-print').checked = d.printer;
      $('r-print').disabled = $('r-ci-print').disabled = !d.printer;
      show('work');
    }, function (err) { showLogin(errorText(err)); });
  }

  function renderHead() {
    if (!desk) return;
    $('r-desk-name').textContent = L(desk.name_zh, desk.name_en);
    $('r-staff').textContent = me.name + ' (' + me.username + ')';
  }

  function docFields() {
    var o = $('r-service').selectedOptions[0];
    $('r-doc').hidden = !(o && o.getAttribute('data-real-name') === 'true');
  }

  function renderResult() {
    var a = lastResult;
    if (!a) return;
    var t = a.ticket;
    $('r-result').hidden = false;
    $('r-number').textContent = t.number;
    $('r-result-service').textContent = L(t.service_name_zh, t.service_name_en);
    $('r-result-priority').textContent = t.priority ? L('优先：', 'Priority: ') + optionName('r-priority', t.priority) : '';
    $('r-result-ahead').textContent = L('前面还有 ' + t.ahead + ' 人', t.ahead + ' ahead');
    $('r-result-print').textContent = a.printed ? L('小票已打印。', 'The receipt is printed.') :
      (a.print_error ? L('小票未打印，请口头告知号码。', 'The receipt did not print; read the number out.') : L('未打印小票，请口头告知号码。', 'No receipt; read the number out.'));
    $('r-result-link').href = t.status_url || '#';
    if (a.phone_registered) {
      $('r-result-print').textContent += L(' 已登记手机号码，快到号和叫号时短信提醒。', ' The mobile number will get a text when the turn is close and when called.');
    } else if (a.phone_error) {
      $('r-result-print').textContent += ' ' + L('手机号码未登记：' + (a.phone_error_zh || a.phone_error), 'Mobile number not kept: ' + a.phone_error);
    }
  }

  function done(a) {
    if (a.appointment) { booked(a.appointment); return; }
    lastResult = a;
    $('r-booked').hidden = true;
    renderResult();
    message('ok', L('已取号 ', 'Number ') + a.ticket.number + L('。', ' issued.'));
  }

  function send(path, body, form) {
    if (busy) return;
    busy = true;
    form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    H.api('POST', path, body, me.csrf_token).then(function (a) {
      done(a);
      if (form.id === 'r-book') {
        // The next booking is often for the same service and day.
        $('r-bk-number').value = '';
        loadSlots();
        return;
      }
      form.reset();
      $('r-print').checked = $('r-ci-print').checked = desk.printer;
      docFields();
    }, function (err) {
      if (err.code === 'EUNAUTHORIZED') { showLogin(errorText(err)); return; }
      message('error', errorText(err));
    }).then(function () {
      busy = false;
      form.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
    });
  }

  function key() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  // phone adds the optional mobile number of a form to its request.
  function phone(body, id) {
    var p = $(id);
    if (p && p.value.trim()) body.phone = p.value.trim();
    return body;
  }

  var lastBooking = null;
  function booked(a) {
    lastBooking = a;
    renderBooking();
    $('r-result').hidden = true;
    message('ok', L('已预约，预约码 ', 'Booked; booking code ') + a.code + L('。', '.'));
  }

  function renderBooking() {
    var a = lastBooking;
    if (!a) return;
    $('r-booked').hidden = false;
    $('r-bk-code').textContent = a.code;
    $('r-bk-result-service').textContent = L(a.service_name_zh, a.service_name_en);
    $('r-bk-result-time').textContent = H.date(a.start) + ' ' + H.clock(a.start, false) + '–' + H.clock(a.end, false);
    $('r-bk-result-status').textContent = a.status === 'applied' ?
      L('抽签申请已提交，截止后公开抽签。', 'Applied; the draw is made after applications close.') :
      L('签到时请出示同一证件。', 'Show the same document to check in.');
    $('r-bk-link').href = a.status_url || '#';
  }

  // loadSlots lists the released slots of the chosen service and date that
  // have places left.
  function loadSlots() {
    var sel = $('r-bk-slot'), service = $('r-bk-service').value, date = $('r-bk-date').value;
    while (sel.options.length > 1) sel.remove(1);
    if (!service || !date) return;
    H.api('GET', '/api/v1/appointments/slots?service=' + encodeURIComponent(service) + '&date=' + encodeURIComponent(date)).then(function (d) {
      if (service !== $('r-bk-service').value || date !== $('r-bk-date').value) return;
      (d.slots || []).forEach(function (sl) {
        if (!sl.released || sl.remaining <= 0 || Date.parse(sl.start) <= Date.now()) return;
        var label = H.clock(sl.start, false) + '–' + H.clock(sl.end, false) + L('（余 ' + sl.remaining + '）', ' (' + sl.remaining + ' left)');
        sel.add(H.el('option', { value: sl.id }, label));
      });
      if (sel.options.length === 1) message('error', L('该日没有可预约的时段。', 'No slot with places left that day.'));
    }, function (err) { message('error', errorText(err)); });
  }

  if ($('r-book')) {
    $('r-bk-date').value = new Intl.DateTimeFormat('en-CA', { timeZone: H.tz() }).format(new Date());
    $('r-bk-service').addEventListener('change', loadSlots);
    $('r-bk-date').addEventListener('change', loadSlots);
    $('r-book').addEventListener('submit', function (e) {
      e.preventDefault();
      var body = { service: $('r-bk-service').value, slot: $('r-bk-slot').value, id_kind: $('r-bk-kind').value,
        id_number: $('r-bk-number').value, idempotency_key: key() };
      send('/api/v1/desk/appointments', body, e.target);
    });
  }

  $('r-service').addEventListener('change', docFields);

  $('r-issue').addEventListener('submit', function (e) {
    e.preventDefault();
    var body = { service: $('r-service').value, idempotency_key: key(), print: $('r-print').checked };
    if ($('r-priority').value) body.priority = $('r-priority').value;
    if (!$('r-doc').hidden) {
      body.id_kind = $('r-doc-kind').value;
      body.id_number = $('r-doc-number').value;
    }
    send('/api/v1/desk/tickets', phone(body, 'r-phone'), e.target);
  });

  $('r-checkin').addEventListener('submit', function (e) {
    e.preventDefault();
    var body = { id_kind: $('r-ci-kind').value, id_number: $('r-ci-number').value, print: $('r-ci-print').checked };
    if ($('r-ci-code').value) body.code = $('r-ci-code').value;
    send('/api/v1/desk/check-in', phone(body, 'r-ci-phone'), e.target);
  });

  $('r-login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var body = { username: $('r-username').value, password: $('r-password').value };
    if ($('r-desk-choice').value) body.desk = $('r-desk-choice').value;
    $('r-login-submit').disabled = true;
    H.api('POST', '/api/v1/login', body).then(function (s) {
      $('r-password').value = '';
      start(s);
    }, function (err) { showLogin(errorText(err)); }).then(function () { $('r-login-submit').disabled = false; });
  });

  $('r-logout').addEventListener('click', function () {
    H.api('POST', '/api/v1/logout', null, me && me.csrf_token).then(function () { showLogin(''); }, function () { showLogin(''); });
  });

  H.onLang(function () { renderHead(); renderResult(); renderBooking(); });

  H.api('GET', '/api/v1/me').then(start, function () { showLogin(''); });
})();
