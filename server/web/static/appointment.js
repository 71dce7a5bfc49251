// A booking's page: its state, live from the event stream, and its cancellation.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var box = $('appt');
  var token = box.getAttribute('data-token');
  var appt = null;
  var stream = null;

  function fetchAppt() {
    return H.api('GET', '/api/v1/appointments/' + encodeURIComponent(token)).then(function (r) {
      appt = r.appointment;
      render();
      $('a-error').hidden = true;
    }, function (err) { showError(err); throw err; });
  }

  function showError(err) {
    var e = $('a-error');
    e.hidden = false;
    if (err.code === 'ENETWORK') e.textContent = L('暂时无法连接服务器，恢复后会自动更新。', 'The server cannot be reached; the page updates when it is back.');
    else e.textContent = L(err.messageZH || err.message, err.message);
  }

  function render() {
    if (!appt) return;
    var a = appt;
    var now = stream ? stream.now() : Date.now();
    $('a-service').textContent = L(a.service_name_zh, a.service_name_en);
    $('a-when').textContent = H.date(a.start) + ' ' + H.clock(a.start, false) + '–' + H.clock(a.end, false);
    $('a-code').textContent = a.code;
    $('a-doc').textContent = a.document || '–';
    $('a-checkin').textContent = H.clock(a.check_in_from, false) + '–' + H.clock(a.check_in_until, false);
    var st = $('a-state');
    st.setAttribute('data-status', { booked: 'waiting', applied: 'waiting', checked_in: 'called', cancelled: 'cancelled', missed: 'no_show', not_drawn: 'cancelled' }[a.status] || a.status);
    var title = '', detail = '';
    switch (a.status) {
      case 'booked':
        title = a.drawn ? L('已中签，预约成功', 'Drawn: booked') : L('已预约', 'Booked');
        detail = L('请在 ' + H.clock(a.check_in_from, false) + ' 至 ' + H.clock(a.check_in_until, false) + ' 之间凭本人证件到取号机签到。',
          'Check in at a kiosk with your document between ' + H.clock(a.check_in_from, false) + ' and ' + H.clock(a.check_in_until, false) + '.');
        break;
      case 'checked_in':
        title = L('已签到', 'Checked in');
        detail = a.number ? L('您的号码：' + a.number + '。请留意大屏叫号。', 'Your number: ' + a.number + '. Watch the board for your call.') : '';
        break;
      case 'cancelled':
        title = L('已取消', 'Cancelled');
        detail = L('名额已放回，可供他人预约。', 'The place went back to the public.');
        break;
      case 'applied':
        title = L('已申请，待抽签', 'Applied: waiting for the draw');
        detail = L('本日名额抽签分配。申请于 ' + H.date(a.apply_until) + ' ' + H.clock(a.apply_until, false) + ' 截止，随即公开抽签，结果在此显示。',
          'The places of this day are drawn by lottery. Applications close at ' + H.date(a.apply_until) + ' ' + H.clock(a.apply_until, false) +
          '; the draw follows at once, in public, and its result shows here.');
        break;
      case 'not_drawn':
        title = L('未中签', 'Not drawn');
        detail = L('本次抽签未抽中。抽签结果可在公开日志中复核；剩余或退回的名额可在预约页先到先约。',
          'This application was not drawn. Anyone can re-run the draw from the public log; places left over or given back can be booked on the booking page, first come.');
        break;
      case 'missed':
        title = L('已爽约', 'Missed');
        detail = L('签到时间已过而未签到。', 'The check-in time passed without a check-in.');
        break;
      default:
        title = a.status;
    }
    $('a-title').textContent = title;
    $('a-detail').textContent = detail;
    var canCancel = a.status === 'booked' && Date.parse(a.cancel_until) > now ||
      a.status === 'applied' && Date.parse(a.apply_until) > now;
    $('a-cancel').hidden = !canCancel;
    if (!canCancel) $('a-cancel-confirm').hidden = true;
    $('a-meta').textContent = L('公开日志中的预约编号 ', 'Booking ID in the public log ') + a.booking;
    document.title = L('我的预约', 'My booking') + ' · ' + title;
  }

  fetchAppt().catch(function () {});
  stream = new H.Stream(+box.getAttribute('data-head'), {
    onEvent: function (ev) {
      var d = ev.data || {};
      var drawn = ev.type === 'appointment.drawn' && appt && appt.status === 'applied' && d.service === appt.service;
      if (appt && (d.booking === appt.booking || ev.type === 'day.opened' || drawn)) fetchAppt().catch(function () {});
    },
    onStatus: function (s) { H.showLive($('a-live'), $('a-live-text'), s); },
    resync: function () {
      return H.head().then(function (h) { return fetchAppt().then(function () { return h.seq; }); });
    }
  });
  H.onLang(function () { render(); H.showLive($('a-live'), $('a-live-text'), $('a-live').getAttribute('data-state')); });
  $('a-cancel-ask').addEventListener('click', function () { $('a-cancel-confirm').hidden = false; });
  $('a-cancel-no').addEventListener('click', function () { $('a-cancel-confirm').hidden = true; });
  $('a-cancel-yes').addEventListener('click', function () {
    H.api('POST', '/api/v1/appointments/' + encodeURIComponent(token) + '/cancel').then(function (r) {
      appt = r.appointment;
      render();
    }, showError);
  });
  setInterval(render, 30000);
})();
