// The complaint form (/complaint): what it is about, the text and an
// optional private contact; the answer is the tracking code and its page.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var box = $('complaint');
  var about = box.getAttribute('data-about'), target = box.getAttribute('data-target');
  if (about === 'window') { $('q-about-window').checked = true; $('q-window').value = target; }
  if (about === 'service') { $('q-about-service').checked = true; $('q-service').value = target; }
  $('q-window').addEventListener('change', function () { $('q-about-window').checked = true; });
  $('q-service').addEventListener('change', function () { $('q-about-service').checked = true; });

  $('q-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var a = document.querySelector('#q-form input[name=about]:checked').value;
    var body = { about: a, text: $('q-text').value, contact: $('q-contact').value };
    if (a === 'window') body.target = $('q-window').value;
    if (a === 'service') body.target = $('q-service').value;
    $('q-submit').disabled = true;
    H.api('POST', '/api/v1/complaints', body).then(function (r) {
      $('q-form').hidden = true;
      $('q-error').hidden = true;
      $('q-done').hidden = false;
      $('q-code').textContent = r.code;
      $('q-track').setAttribute('href', '/complaint/' + encodeURIComponent(r.code));
    }, function (err) {
      var m = $('q-error');
      m.textContent = L(err.messageZH || err.message, err.message);
      m.hidden = false;
    }).then(function () { $('q-submit').disabled = false; });
  });
})();
