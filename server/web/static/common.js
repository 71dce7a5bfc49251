// hallq pages: language switch, API calls, the live event stream and formatting.
// Loaded in <head> without defer, so the chosen language is set before the page
// is drawn; everything else waits for the DOM.
'use strict';
(function () {
  var KEY = 'hallq.lang';
  var lang = 'zh';
  try {
    if (localStorage.getItem(KEY) === 'en') lang = 'en';
  } catch (e) { /* storage blocked: Chinese */ }
  var root = document.documentElement;
  function setRoot() {
    root.setAttribute('data-lang', lang);
    root.setAttribute('lang', lang === 'en' ? 'en' : 'zh-CN');
  }
  setRoot();

  var H = window.hallq = {};
  var listeners = [];

  H.lang = function () { return lang; };
  // L picks the text of the current language; English falls back to Chinese.
  H.L = function (zh, en) { return lang === 'en' && en ? en : zh; };
  H.onLang = function (f) { listeners.push(f); };
  H.setLang = function (l) {
    lang = l === 'en' ? 'en' : 'zh';
    try { localStorage.setItem(KEY, lang); } catch (e) { /* not remembered */ }
    setRoot();
    H.translate(document);
    listeners.forEach(function (f) { f(); });
  };
  // translate sets the texts that CSS cannot switch: options, placeholders and
  // the title, from their data-zh/data-en and data-ph-zh/data-ph-en attributes.
  H.translate = function (scope) {
    scope.querySelectorAll('[data-zh]').forEach(function (el) {
      el.textContent = H.L(el.getAttribute('data-zh'), el.getAttribute('data-en'));
    });
    scope.querySelectorAll('[data-ph-zh]').forEach(function (el) {
      el.setAttribute('placeholder', H.L(el.getAttribute('data-ph-zh'), el.getAttribute('data-ph-en')));
    });
  };

  // $ returns the element with the id.
  H.$ = function (id) { return document.getElementById(id); };

  // el builds an element: el('li', {class: 'x'}, 'text', child …).
  H.el = function (tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
        if (k === 'text') e.textContent = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  };

  // APIError is a refusal of the API: its status, stable code and messages.
  function APIError(status, body) {
    var e = (body && body.error) || {};
    this.status = status;
    this.code = e.code || (status >= 500 ? 'EINTERNAL' : 'EUNAVAILABLE');
    this.message = e.message || ('HTTP ' + status);
    this.messageZH = e.message_zh || '';
  }
  H.APIError = APIError;

  // api calls the JSON API and returns a promise of the decoded answer; a
  // refusal rejects with an APIError, a network failure with code ENETWORK.
  H.api = function (method, path, body, csrf) {
    var opts = { method: method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined && body !== null) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (csrf) opts.headers['X-CSRF-Token'] = csrf;
    return fetch(path, opts).then(function (resp) {
      return resp.text().then(function (txt) {
        var data = null;
        try { data = txt ? JSON.parse(txt) : null; } catch (e) { data = null; }
        if (!resp.ok) throw new APIError(resp.status, data);
        return data;
      });
    }, function () {
      var e = new APIError(0, null);
      e.code = 'ENETWORK';
      e.message = 'the server cannot be reached';
      e.messageZH = '无法连接服务器';
      throw e;
    });
  };

  // Stream follows the public event stream /api/v1/ws from a seq on. It
  // reconnects by itself with a growing pause; before each reconnection it calls
  // opts.resync(), which reloads what the page shows and resolves to the seq to
  // stream after. Callbacks: onEvent(event, rawText), onHeartbeat(hb),
  // onStatus('live' | 'connecting' | 'offline').
  function Stream(after, opts) {
    this.after = after;
    this.opts = opts;
    this.delay = 500;
    this.ws = null;
    this.timer = null;
    this.lastMessage = Date.now();
    this.closed = false;
    this.skew = 0; // server clock minus this clock, in ms, from heartbeats
    var self = this;
    this.onVisible = function () {
      if (!document.hidden && !self.closed && (!self.ws || self.ws.readyState > 1)) self.reconnectSoon(0);
    };
    document.addEventListener('visibilitychange', this.onVisible);
    // A connection that stays silent for three heartbeats and a half is dead.
    // The interval is learnt from the heartbeats (10 s unless the hall sets
    // another).
    this.beat = 10000;
    this.lastBeat = 0;
    this.watchdog = setInterval(function () {
      var limit = Math.max(35000, 3.5 * self.beat);
      if (self.ws && self.ws.readyState === 1 && Date.now() - self.lastMessage > limit) self.ws.close();
    }, 5000);
    this.connect();
  }
  // close ends the stream for good.
  Stream.prototype.close = function () {
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.timer);
    this.timer = null;
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.ws) { var ws = this.ws; this.ws = null; try { ws.close(); } catch (e) { /* gone */ } }
  };
  Stream.prototype.status = function (s) {
    if (this.opts.onStatus) this.opts.onStatus(s);
  };
  Stream.prototype.connect = function () {
    var self = this;
    var proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws;
    try {
      ws = new WebSocket(proto + location.host + '/api/v1/ws?after=' + this.after);
    } catch (e) {
      this.reconnectSoon();
      return;
    }
    this.ws = ws;
    this.status('connecting');
    ws.onopen = function () { self.lastMessage = Date.now(); self.lastBeat = 0; };
    ws.onmessage = function (m) {
      self.lastMessage = Date.now();
      var ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      if (ev.type === 'heartbeat') {
        self.delay = 500;
        var now = Date.now();
        if (self.lastBeat && now - self.lastBeat > 1000) self.beat = now - self.lastBeat;
        self.lastBeat = now;
        if (ev.time) self.skew = Date.parse(ev.time) - Date.now();
        self.status('live');
        if (self.opts.onHeartbeat) self.opts.onHeartbeat(ev);
        return;
      }
      if (typeof ev.seq !== 'number' || ev.seq <= self.after) return;
      self.after = ev.seq;
      self.opts.onEvent(ev, m.data);
    };
    ws.onclose = function () {
      if (self.ws !== ws) return;
      self.ws = null;
      if (!self.closed) self.reconnectSoon();
    };
  };
  Stream.prototype.reconnectSoon = function (delay) {
    var self = this;
    if (this.timer || this.closed) return;
    if (this.ws) { try { this.ws.close(); } catch (e) { /* closing anyway */ } this.ws = null; }
    this.status('offline');
    var wait = delay === undefined ? this.delay : delay;
    this.delay = Math.min(this.delay * 2, 10000);
    this.timer = setTimeout(function () {
      self.timer = null;
      var p = self.opts.resync ? self.opts.resync() : Promise.resolve(self.after);
      p.then(function (after) {
        if (self.closed) return;
        if (typeof after === 'number') self.after = after;
        self.connect();
      }, function () {
        self.reconnectSoon();
      });
    }, wait);
  };
  // now returns the server's time in ms, as this browser best knows it.
  Stream.prototype.now = function () { return Date.now() + this.skew; };
  H.Stream = Stream;

  // head returns a promise of the log's head {seq, hash}.
  H.head = function () {
    return H.api('GET', '/healthz').then(function (h) { return { seq: h.seq, hash: h.hash }; });
  };

  // liveText shows a stream's state in an element with data-state.
  H.showLive = function (box, text, state) {
    if (!box) return;
    box.setAttribute('data-state', state);
    var t = {
      live: H.L('实时更新中', 'Live'),
      connecting: H.L('正在连接…', 'Connecting…'),
      offline: H.L('连接中断，正在重新连接…', 'Connection lost, reconnecting…')
    };
    text.textContent = t[state] || '';
  };

  var tz = null;
  H.tz = function () {
    if (tz === null) tz = (document.body && document.body.getAttribute('data-tz')) || undefined;
    return tz || undefined;
  };
  function fmt(opts) {
    try {
      return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', Object.assign({ timeZone: H.tz(), hourCycle: 'h23' }, opts));
    } catch (e) {
      return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', Object.assign({ hourCycle: 'h23' }, opts));
    }
  }
  // clock formats an instant as HH:MM:SS in the hall's time zone.
  H.clock = function (t, seconds) {
    var o = { hour: '2-digit', minute: '2-digit' };
    if (seconds !== false) o.second = '2-digit';
    return fmt(o).format(new Date(t));
  };
  // date returns the hall-local date of an instant as YYYY-MM-DD.
  H.date = function (t) {
    var parts = fmt({ year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(t));
    var p = {};
    parts.forEach(function (x) { p[x.type] = x.value; });
    return p.year + '-' + p.month + '-' + p.day;
  };
  // minutes formats a wait in seconds for people: "约 12 分钟" / "about 12 min".
  H.minutes = function (secs) {
    if (secs <= 0) return H.L('即将', 'soon');
    var m = Math.max(1, Math.round(secs / 60));
    if (m >= 90) {
      var h = Math.floor(m / 60), r = m % 60;
      return H.L('约 ' + h + ' 小时' + (r ? ' ' + r + ' 分钟' : ''), 'about ' + h + ' h' + (r ? ' ' + r + ' min' : ''));
    }
    return H.L('约 ' + m + ' 分钟', 'about ' + m + ' min');
  };
  // span formats a duration in seconds as M:SS or H:MM:SS.
  H.span = function (secs) {
    secs = Math.max(0, Math.floor(secs));
    var h = Math.floor(secs / 3600), m = Math.floor(secs % 3600 / 60), s = secs % 60;
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return h ? h + ':' + two(m) + ':' + two(s) : m + ':' + two(s);
  };

  // throttle returns f limited to one call per ms, the last call always made.
  H.throttle = function (f, ms) {
    var timer = null, pending = false, last = 0;
    return function run() {
      var now = Date.now();
      if (timer) { pending = true; return; }
      var wait = Math.max(0, last + ms - now);
      timer = setTimeout(function () {
        timer = null;
        last = Date.now();
        f();
        if (pending) { pending = false; run(); }
      }, wait);
    };
  };

  document.addEventListener('DOMContentLoaded', function () {
    H.translate(document);
    document.querySelectorAll('[data-lang-toggle]').forEach(function (b) {
      b.addEventListener('click', function () { H.setLang(lang === 'en' ? 'zh' : 'en'); });
    });
    document.querySelectorAll('[data-print]').forEach(function (b) {
      b.addEventListener('click', function () { window.print(); });
    });
  });
})();
