// The rating (好差评) on a ticket's page: once the service is completed, the
// five levels and an optional private comment, once, until rate_until.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var box = $('ticket');
  var token = box.getAttribute('data-token');
  var NAMES = {
    very_satisfied: ['非常满意', 'Very satisfied'], satisfied: ['满意', 'Satisfied'], fair: ['基本满意', 'Fair'],
    dissatisfied: ['不满意', 'Dissatisfied'], very_dissatisfied: ['非常不满意', 'Very dissatisfied']
  };
  var ticket = null;
  var sending = false;

  function render() {
    var t = ticket;
    if (!t) return;
    var open = t.status === 'completed' && !t.rating && !!t.rate_until;
    $('rate').hidden = !(open || t.rating);
    $('rate-form').hidden = !open;
    if (open) {
      $('rate-until').textContent = L('请在 ' + H.clock(t.rate_until, false) + ' 前评价。', 'You may rate until ' + H.clock(t.rate_until, false) + '.');
    }
    var done = $('rate-done');
    done.hidden = !t.rating;
    if (t.rating) {
      var n = NAMES[t.rating] || [t.rating, t.rating];
      done.textContent = L('您的评价：' + n[0] + '。感谢您的评价！', 'Your rating: ' + n[1] + '. Thank you!');
    }
  }

  box.addEventListener('hallq:ticket', function (e) {
    ticket = e.detail;
    render();
  });
  H.onLang(render);

  $('rate-form').addEventListener('submit', function (e) {
    e.preventDefault();
    if (sending) return;
    var picked = document.querySelector('#rate-levels input[name=level]:checked');
    if (!picked) return;
    sending = true;
    $('rate-submit').disabled = true;
    H.api('POST', '/api/v1/tickets/' + encodeURIComponent(token) + '/rating',
      { level: picked.value, comment: $('rate-comment').value }).then(function (r) {
      ticket = r.ticket;
      $('rate-error').hidden = true;
      render();
    }, function (err) {
      var m = $('rate-error');
      m.textContent = L(err.messageZH || err.message, err.message);
      m.hidden = false;
    }).then(function () {
      sending = false;
      $('rate-submit').disabled = false;
    });
  });
})();
