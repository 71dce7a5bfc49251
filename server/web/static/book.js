// The booking form: a service's slots of a day with their places left, kept
// live from the event stream, and the booking. On the hall's own /book it
// talks to the hall; on the city portal (#book's data-slots, data-book,
// data-qr, data-poll) it reads the slots from the portal's read model every
// data-poll seconds and books through the portal, which forwards the booking
// to the hall.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var box = $('book');
  if (!$('b-service')) return;
  var service = '', date = '';
  var slots = [];     // of the day shown, as the API gave them
  var slotsSeq = 0;   // log position the slots were counted at
  var slotsFor = '';  // service|date the slots are of; '' while they load
  var lottery = '';   // the day's lottery state: '', pending, open, closed, drawn
  var applyUntil = '';
  var chosen = null;  // slot ID
  var idemKey = '';   // of the booking being sent: a retry sends the same
  var stream = null;
  var slotsURL = box.getAttribute('data-slots') || '/api/v1/appointments/slots';
  var bookURL = box.getAttribute('data-book') || '/api/v1/appointments';
  var qrPrefix = box.getAttribute('data-qr') || '/a/';
  var poll = +box.getAttribute('data-poll') || 0;

  function option() { var s = $('b-service'); return s.options[s.selectedIndex]; }

  function showDays() {
    document.querySelectorAll('.days').forEach(function (d) {
      d.hidden = d.getAttribute('data-service') !== service;
    });
    var days = document.querySelector('.days[data-service="' + service + '"]');
    var buttons = days ? days.querySelectorAll('.day') : [];
    var keep = false;
    buttons.forEach(function (b) { if (b.getAttribute('data-date') === date) keep = true; });
    if (!keep && buttons.length) date = buttons[0].getAttribute('data-date');
    buttons.forEach(function (b) { b.setAttribute('aria-pressed', b.getAttribute('data-date') === date ? 'true' : 'false'); });
  }

  function loadSlots() {
    var want = service + '|' + date;
    return H.api('GET', slotsURL + '?service=' + encodeURIComponent(service) + '&date=' + encodeURIComponent(date)).then(function (r) {
      if (want !== service + '|' + date) return;
      if (r.services) r = r.services[0] || { slots: [], seq: r.seq }; // the portal's answer: the hall's slots by service
      slots = r.slots || [];
      slotsSeq = r.seq;
      lottery = r.lottery || '';
      applyUntil = r.apply_until || '';
      slotsFor = want;
      renderSlots();
      if (poll) H.showLive($('b-live'), $('b-live-text'), 'live');
    }, function (err) {
      if (poll) H.showLive($('b-live'), $('b-live-text'), 'offline');
      showError(err);
      throw err;
    });
  }

  function renderSlots() {
    var list = $('b-slots');
    list.textContent = '';
    list.setAttribute('data-for', slotsFor);
    var now = stream ? stream.now() : Date.now();
    if (!slotsFor) {
      list.appendChild(H.el('li', { class: 'none' }, L('正在读取时段……', 'Loading times…')));
      return;
    }
    if (!slots.length) {
      list.appendChild(H.el('li', { class: 'none' }, L('这一天没有可预约的时段。', 'No times can be booked on this day.')));
    }
    slots.forEach(function (s) {
      var started = Date.parse(s.start) <= now;
      var state, label;
      if (s.released && !started && lottery === 'open') {
        state = 'open';
        var n = s.applications || 0;
        label = L(n + ' 人申请 · 名额 ' + s.capacity, n + ' applied for ' + s.capacity + ' places');
      } else if (s.released && !started && lottery === 'closed') {
        state = 'full'; label = L('抽签中', 'Being drawn');
      } else if (!s.released) {
        state = 'unreleased';
        label = L(H.date(s.release_at) + ' ' + H.clock(s.release_at, false) + ' 放号', 'Released ' + H.date(s.release_at) + ' ' + H.clock(s.release_at, false));
      } else if (started) {
        state = 'past'; label = L('已开始', 'Started');
      } else if (s.remaining <= 0) {
        state = 'full'; label = L('已约满', 'Full');
      } else {
        state = 'open'; label = L('剩余 ' + s.remaining + ' / ' + s.capacity, s.remaining + ' of ' + s.capacity + ' left');
      }
      var b = H.el('button', { type: 'button', class: 'slot', 'data-slot': s.id, 'data-state': state,
        'aria-pressed': chosen === s.id ? 'true' : 'false', disabled: state !== 'open' ? 'disabled' : null },
        H.el('span', { class: 'time' }, H.clock(s.start, false) + '–' + H.clock(s.end, false)),
        H.el('span', { class: 'left', 'data-remaining': s.remaining, 'data-applications': s.applications || 0 }, label));
      b.addEventListener('click', function () { choose(s.id); });
      list.appendChild(H.el('li', null, b));
    });
    lotteryNote();
    var c = find(chosen);
    if (chosen && (!c || c.remaining <= 0 && lottery !== 'open')) choose(null);
  }

  // lotteryNote says how the day's places are given when they are drawn.
  function lotteryNote() {
    var n = $('b-lottery');
    n.hidden = !lottery || !slotsFor;
    n.setAttribute('data-lottery', lottery);
    $('b-submit').textContent = lottery === 'open' ? L('提交抽签申请', 'Apply for the draw') : L('确认预约', 'Book this time');
    if (n.hidden) return;
    var until = H.date(applyUntil) + ' ' + H.clock(applyUntil, false);
    n.textContent = {
      pending: L('本日名额抽签分配：放号后接受申请，至 ' + until + ' 截止，随即公开抽签。', 'The places of this day are drawn by lottery: applications from the release until ' + until + ', then a public draw.'),
      open: L('本日名额抽签分配，不论先后：请在 ' + until + ' 前提交申请，截止后以公开日志中截止事件的哈希为种子抽签，任何人都可复核。',
        'The places of this day are drawn, not first come: apply before ' + until + '. The draw is seeded by the hash of the log event that closes the applications, so anyone can re-run it.'),
      closed: L('申请已于 ' + until + ' 截止，正在抽签。', 'Applications closed at ' + until + '; the places are being drawn.'),
      drawn: L('本日名额已公开抽签；剩余或退回的名额先到先约。', 'The places of this day were drawn in public; places left over or given back are booked first come.')
    }[lottery] || '';
  }

  function find(id) {
    for (var i = 0; i < slots.length; i++) if (slots[i].id === id) return slots[i];
    return null;
  }

  function choose(id) {
    if (id !== chosen) idemKey = '';
    chosen = id;
    var s = find(id);
    $('b-form').hidden = !s;
    if (s) {
      $('b-chosen').textContent = L(option().getAttribute('data-zh'), option().getAttribute('data-en')) + ' · ' +
        H.date(s.start) + ' ' + H.clock(s.start, false) + '–' + H.clock(s.end, false);
      $('b-done').hidden = true;
    }
    document.querySelectorAll('#b-slots .slot').forEach(function (b) {
      b.setAttribute('aria-pressed', b.getAttribute('data-slot') === id ? 'true' : 'false');
    });
  }

  function rulesText() {
    var o = option();
    var active = +o.getAttribute('data-active');
    $('b-rules-text').textContent =
      L('签到时间为时段开始前 ' + o.getAttribute('data-before') + ' 分钟至开始后 ' + o.getAttribute('data-after') + ' 分钟，须出示预约时的证件；预约码不能代替证件。',
        'Check in from ' + o.getAttribute('data-before') + ' min before to ' + o.getAttribute('data-after') + ' min after the start, with the document you booked with; the code does not replace it. ') +
      L('可在时段开始前 ' + o.getAttribute('data-cancel') + ' 分钟前取消，名额立即公开放回。', 'You may cancel until ' + o.getAttribute('data-cancel') + ' min before the start; the place goes back to the public at once. ') +
      (active ? L('每人同时最多持有 ' + active + ' 个预约。', 'One person may hold ' + active + ' bookings at a time. ') : '') +
      L('多次预约不到将暂停预约资格，详见规则。', 'Missing bookings repeatedly suspends booking; see the rules.');
  }

  function showError(err) {
    var e = $('b-error');
    e.hidden = false;
    if (err.code === 'ENETWORK') {
      e.textContent = L('暂时无法连接服务器，请稍后再试。', 'The server cannot be reached; try again shortly.');
    } else {
      e.textContent = L(err.messageZH || err.message, err.message);
    }
  }

  function onEvent(ev) {
    var d = ev.data || {};
    if (ev.seq <= slotsSeq) return;
    var s;
    switch (ev.type) {
      case 'appointment.booked':
        if ((s = find(d.slot))) { s.booked++; s.remaining = Math.max(0, s.capacity - s.booked); renderSlots(); }
        break;
      case 'appointment.cancelled':
        if (lottery === 'open') { loadSlots().catch(function () {}); break; }
        if ((s = find(d.slot))) { s.booked = Math.max(0, s.booked - 1); s.remaining = s.capacity - s.booked; renderSlots(); }
        break;
      case 'appointment.applied':
        if ((s = find(d.slot))) { s.applications = (s.applications || 0) + 1; renderSlots(); }
        break;
      case 'appointment.applications_closed':
      case 'appointment.drawn':
        if (d.service === service && d.day === date) loadSlots().catch(function () {});
        break;
      case 'appointment.released':
        if (d.service === service && d.day === date) loadSlots().catch(function () {});
        break;
    }
  }

  function select() {
    service = $('b-service').value;
    showDays();
    rulesText();
    // The slots of the day shown before are not offered while the new ones load.
    slots = []; slotsFor = '';
    renderSlots();
    choose(null);
    $('b-error').hidden = true;
    loadSlots().catch(function () {});
  }

  $('b-service').addEventListener('change', select);
  document.querySelectorAll('.days .day').forEach(function (b) {
    b.addEventListener('click', function () { date = b.getAttribute('data-date'); select(); });
  });
  $('b-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var s = find(chosen);
    if (!s) return;
    $('b-submit').disabled = true;
    $('b-error').hidden = true;
    var number = $('b-number').value;
    if (!idemKey || idemKey.indexOf(number + '|') !== 0) {
      var r = new Uint32Array(4);
      window.crypto.getRandomValues(r);
      idemKey = number + '|' + Array.prototype.join.call(r, '-');
    }
    H.api('POST', bookURL, { service: service, slot: s.id, id_kind: $('b-kind').value, id_number: number,
      idempotency_key: idemKey.slice(idemKey.indexOf('|') + 1) }).then(function (r) {
      idemKey = '';
      var a = r.appointment;
      $('b-number').value = '';
      choose(null);
      $('b-code').textContent = a.code;
      $('b-done-title').textContent = a.status === 'applied' ?
        L('抽签申请已提交，' + H.date(a.apply_until) + ' ' + H.clock(a.apply_until, false) + ' 截止后公开抽签。申请码：', 'Application made; the draw follows the close at ' + H.date(a.apply_until) + ' ' + H.clock(a.apply_until, false) + '. Your code:') :
        L('预约成功。您的预约码：', 'Booked. Your booking code:');
      $('b-done').setAttribute('data-status', a.status);
      $('b-when').textContent = L(a.service_name_zh, a.service_name_en) + ' · ' + H.date(a.start) + ' ' + H.clock(a.start, false) + '–' + H.clock(a.end, false) +
        ' · ' + L('证件 ', 'document ') + a.document;
      // On the portal the booking's page is the hall's own (status_url).
      $('b-link').href = poll && a.status_url ? a.status_url : '/a/' + encodeURIComponent(a.token);
      var qr = $('b-qr');
      qr.hidden = true;
      qr.onload = function () { qr.hidden = false; };
      qr.src = qrPrefix + encodeURIComponent(a.token) + '/qr.png';
      $('b-done').hidden = false;
    }, showError).then(function () { $('b-submit').disabled = false; });
  });
  H.onLang(function () { rulesText(); renderSlots(); if (chosen) choose(chosen); if (stream) H.showLive($('b-live'), $('b-live-text'), $('b-live').getAttribute('data-state')); });

  select();
  if (poll) {
    // The portal has no event stream: its read model is read again.
    H.onLang(function () { H.showLive($('b-live'), $('b-live-text'), $('b-live').getAttribute('data-state')); });
    setInterval(function () { loadSlots().catch(function () {}); }, poll * 1000);
    setInterval(renderSlots, 30000);
    return;
  }
  stream = new H.Stream(+box.getAttribute('data-head'), {
    onEvent: onEvent,
    onStatus: function (s) { H.showLive($('b-live'), $('b-live-text'), s); },
    resync: function () { return loadSlots().then(function () { return slotsSeq; }); }
  });
  // Slots start while the page is open.
  setInterval(renderSlots, 30000);
})();
