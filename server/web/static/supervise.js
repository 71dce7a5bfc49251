// The supervisors' page (/supervise): a supervisor signs in, reads the open
// follow-up cases with the applicants' private comments and closes each with
// its return visit and rectification, and answers open complaints. Every
// action is a request to the API with the session's CSRF token.
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var me = null;
  var cases = [], complaints = [];
  var names = {};
  document.querySelectorAll('#s-names').forEach(function (t) {
    t.content.querySelectorAll('[data-kind]').forEach(function (s) {
      names[s.getAttribute('data-kind') + ':' + s.getAttribute('data-id')] = [s.getAttribute('data-zh'), s.getAttribute('data-en')];
    });
  });
  function name(kind, id) {
    var n = names[kind + ':' + id] || [id, id];
    return L(n[0], n[1] || n[0]);
  }

  function show(id) {
    $('s-loading').hidden = true;
    $('s-login').hidden = id !== 'login';
    $('s-work').hidden = id !== 'work';
  }

  function errorText(err) {
    if (err.messageZH) return L(err.messageZH, err.message);
    return L('操作未完成：', 'Not done: ') + err.message;
  }

  function message(kind, text) {
    var m = $('s-msg');
    m.hidden = false;
    m.className = 'msg ' + kind;
    m.textContent = text;
  }

  function showLogin(text) {
    me = null;
    show('login');
    var m = $('s-login-msg');
    m.hidden = !text;
    if (text) { m.className = 'msg error'; m.textContent = text; }
  }

  function start(session) {
    me = session;
    if (me.role !== 'supervisor') {
      H.api('POST', '/api/v1/logout', null, me.csrf_token).catch(function () {});
      showLogin(L('该账号不是监督人员账号。', 'This account is not a supervisor\'s.'));
      return;
    }
    $('s-staff').textContent = me.name + ' (' + me.username + ')';
    show('work');
    load();
  }

  function load() {
    return Promise.all([H.api('GET', '/api/v1/supervise/cases'), H.api('GET', '/api/v1/supervise/complaints')]).then(function (r) {
      cases = r[0].cases || [];
      complaints = r[1].complaints || [];
      render();
    }, function (err) {
      if (err.code === 'EUNAUTHORIZED') showLogin(errorText(err));
      else message('error', errorText(err));
    });
  }

  function field(labelZH, labelEN, id) {
    return H.el('label', null, L(labelZH, labelEN), H.el('textarea', { id: id, maxlength: '2000', rows: '2', required: 'required' }));
  }

  function renderCase(c) {
    var box = H.el('article', { class: 'case', 'data-case': c.id },
      H.el('h3', null, c.number + ' · ' + name('service', c.service) + ' · ' + name('window', c.window)),
      H.el('p', null, L('评价：', 'Rating: ') + name('level', c.level) + ' · ' + L('评价时间 ', 'rated ') + H.date(c.opened_at) + ' ' + H.clock(c.opened_at, false)),
      H.el('p', { class: c.overdue ? 'overdue' : null }, L('办结期限：', 'Due: ') + c.due + (c.overdue ? L('（已超期）', ' (overdue)') : '')),
      H.el('p', { class: 'comment' }, c.comment ? c.comment : L('（未填写意见）', '(no comment)')));
    var form = H.el('form', { class: 'inline-form' },
      field('回访情况', 'Return visit', 'v-' + c.id),
      field('整改情况', 'Rectification', 'r-' + c.id),
      H.el('button', { type: 'submit', class: 'primary' }, L('记录回访并办结', 'Record and close')));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var btn = form.querySelector('button');
      btn.disabled = true;
      H.api('POST', '/api/v1/supervise/cases/' + encodeURIComponent(c.id) + '/close',
        { visit: $('v-' + c.id).value, rectification: $('r-' + c.id).value }, me.csrf_token).then(function () {
        message('ok', L(c.number + ' 的回访已办结。', 'The follow-up of ' + c.number + ' is closed.'));
        return load();
      }, function (err) { message('error', errorText(err)); }).then(function () { btn.disabled = false; });
    });
    box.appendChild(form);
    return box;
  }

  function about(q) {
    if (q.about === 'window') return L('窗口：', 'Window: ') + name('window', q.target);
    if (q.about === 'service') return L('业务：', 'Service: ') + name('service', q.target);
    return L('大厅整体', 'The hall');
  }

  function renderComplaint(q) {
    var box = H.el('article', { class: 'complaint-item', 'data-complaint': q.id },
      H.el('h3', null, about(q)),
      H.el('p', null, L('收到时间 ', 'Filed ') + H.date(q.filed_at) + ' ' + H.clock(q.filed_at, false)),
      H.el('p', { class: 'text' }, q.text),
      H.el('p', null, L('联系方式：', 'Contact: ') + (q.contact || L('（未留）', '(none)'))));
    var form = H.el('form', { class: 'inline-form' },
      field('答复（将在投诉人的查询页上公开给查询码持有人）', 'Answer (shown on the complainant\'s tracking page)', 'a-' + q.id),
      H.el('button', { type: 'submit', class: 'primary' }, L('答复', 'Answer')));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var btn = form.querySelector('button');
      btn.disabled = true;
      H.api('POST', '/api/v1/supervise/complaints/' + encodeURIComponent(q.id) + '/answer',
        { answer: $('a-' + q.id).value }, me.csrf_token).then(function () {
        message('ok', L('投诉已答复。', 'The complaint is answered.'));
        return load();
      }, function (err) { message('error', errorText(err)); }).then(function () { btn.disabled = false; });
    });
    box.appendChild(form);
    return box;
  }

  function render() {
    var list = $('s-cases');
    list.textContent = '';
    cases.forEach(function (c) { list.appendChild(renderCase(c)); });
    if (!cases.length) list.appendChild(H.el('p', { class: 'hint' }, L('没有待回访的差评。', 'No rating to follow up.')));
    $('s-cases-count').textContent = '(' + cases.length + ')';
    list = $('s-complaints');
    list.textContent = '';
    complaints.forEach(function (q) { list.appendChild(renderComplaint(q)); });
    if (!complaints.length) list.appendChild(H.el('p', { class: 'hint' }, L('没有待答复的投诉。', 'No complaint to answer.')));
    $('s-complaints-count').textContent = '(' + complaints.length + ')';
  }

  $('s-login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    $('s-login-submit').disabled = true;
    H.api('POST', '/api/v1/login', { username: $('s-username').value, password: $('s-password').value }).then(function (s) {
      $('s-password').value = '';
      start(s);
    }, function (err) { showLogin(errorText(err)); }).then(function () { $('s-login-submit').disabled = false; });
  });
  $('s-logout').addEventListener('click', function () {
    H.api('POST', '/api/v1/logout', null, me && me.csrf_token).then(function () { showLogin(''); }, function () { showLogin(''); });
  });
  H.onLang(function () { if (me) render(); });
  H.api('GET', '/api/v1/me').then(start, function () { showLogin(''); });
})();
