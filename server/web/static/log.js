// The public call log: newest first, filtered in the browser, kept current from
// the event stream, and verified in the browser on the exact published bytes
// (from /log.jsonl and the stream, never re-serialised).
'use strict';
(function () {
  var H = window.hallq, L = H.L, $ = H.$;
  var GENESIS = '0000000000000000000000000000000000000000000000000000000000000000';
  var SUFFIX = 75; // ,"hash":"<64 hex>"} at the end of every published event
  var enc = new TextEncoder();
  var dec = new TextDecoder('utf-8', { fatal: true });

  var events = [];     // loaded records in seq order: {seq, raw (Uint8Array), ev}
  var serverHead = null; // {seq, hash} the server last published
  var showCount = 300;
  var stream = null;
  var loading = false;

  var TYPES = {
    'day.opened': ['开始服务日', 'Day opened'], 'day.sealed': ['结束服务日', 'Day sealed'],
    'ticket.issued': ['取号', 'Issued'], 'ticket.called': ['叫号', 'Called'],
    'ticket.recalled': ['重呼', 'Recalled'], 'ticket.no_show': ['过号', 'No-show'],
    'ticket.reinstated': ['恢复排队', 'Reinstated'], 'ticket.completed': ['办结', 'Completed'],
    'ticket.transferred': ['转办', 'Transferred'], 'ticket.cancelled': ['取消', 'Cancelled'],
    'window.opened': ['开启窗口', 'Window opened'], 'window.paused': ['暂停窗口', 'Window paused'],
    'window.resumed': ['恢复窗口', 'Window resumed'], 'window.closed': ['关闭窗口', 'Window closed'],
    'lease.granted': ['号段授权', 'Lease granted'], 'lease.voided': ['号段作废', 'Lease voided'],
    'hall.configured': ['公布规则', 'Rules published'], 'log.checkpoint': ['签名检查点', 'Signed checkpoint'],
    'rating.submitted': ['评价', 'Rated'], 'case.opened': ['差评回访立案', 'Follow-up opened'],
    'case.closed': ['差评回访办结', 'Follow-up closed'], 'complaint.filed': ['收到投诉', 'Complaint filed'],
    'complaint.answered': ['答复投诉', 'Complaint answered']
  };
  var LEVELS = {
    very_satisfied: ['非常满意', 'Very satisfied'], satisfied: ['满意', 'Satisfied'], fair: ['基本满意', 'Fair'],
    dissatisfied: ['不满意', 'Dissatisfied'], very_dissatisfied: ['非常不满意', 'Very dissatisfied']
  };
  var REASONS = {
    fifo: ['按顺序', 'in order'], priority: ['优先类别', 'priority class'], transfer: ['转办保留位置', 'transfer keeps its place'],
    recall: ['重呼', 'recall'], manual: ['人工指定', 'manual']
  };
  var manualReasons = {};
  document.querySelectorAll('#l-reasons').forEach(function (t) {
    t.content.querySelectorAll('[data-code]').forEach(function (s) {
      manualReasons[s.getAttribute('data-code')] = [s.getAttribute('data-zh'), s.getAttribute('data-en')];
    });
  });
  var prefixes = {}; // number prefix -> service ID
  document.querySelectorAll('#l-service option[data-prefix]').forEach(function (o) {
    prefixes[o.getAttribute('data-prefix')] = o.value;
  });
  function optName(sel, v) {
    var o = document.querySelector('#' + sel + ' option[value="' + CSS.escape(v) + '"]');
    return o ? L(o.getAttribute('data-zh'), o.getAttribute('data-en')) : v;
  }

  // record parses one published event from its bytes.
  function record(raw) {
    var ev = JSON.parse(dec.decode(raw));
    return { seq: ev.seq, raw: raw, ev: ev };
  }

  // lines splits a JSON Lines file into its lines' bytes.
  function lines(buf) {
    var b = new Uint8Array(buf), out = [], start = 0;
    for (var i = 0; i <= b.length; i++) {
      if (i === b.length || b[i] === 10) {
        var end = i;
        if (end > start && b[end - 1] === 13) end--;
        if (end > start) out.push(b.subarray(start, end));
        start = i + 1;
      }
    }
    return out;
  }

  function fetchLog(query) {
    return fetch('/log.jsonl' + query, { cache: 'no-store' }).then(function (resp) {
      if (!resp.ok) throw new Error('HTTP ' + resp.status);
      var seq = resp.headers.get('X-Hallq-Head-Seq'), hash = resp.headers.get('X-Hallq-Head-Hash');
      if (seq !== null) setServerHead({ seq: +seq, hash: hash });
      return resp.arrayBuffer();
    }).then(function (buf) { return lines(buf).map(record); });
  }

  function setServerHead(h) {
    if (serverHead && h.seq < serverHead.seq) return;
    serverHead = h;
    $('l-head').textContent = L('服务器公布的链头：第 ' + h.seq + ' 条 · ', 'Head published by the server: record ' + h.seq + ' · ') + h.hash;
  }

  function first() { return events.length ? events[0].seq : 0; }
  function last() { return events.length ? events[events.length - 1].seq : 0; }

  function withLoading(p) {
    loading = true;
    $('l-loaded').textContent = L('正在加载…', 'Loading…');
    return p.then(function () {
      loading = false;
      clearResult();
      render();
    }, function (err) {
      loading = false;
      $('l-loaded').textContent = L('加载失败：', 'Could not load: ') + err.message;
    });
  }

  function loadRecent() {
    return withLoading(fetchLog('?last=500').then(function (recs) { events = recs; }));
  }
  function loadOlder() {
    var f = first();
    if (f <= 1) return Promise.resolve();
    var n = Math.min(1000, f - 1);
    return withLoading(fetchLog('?after=' + (f - 1 - n) + '&limit=' + n).then(function (recs) {
      if (recs.length && recs[recs.length - 1].seq === f - 1) events = recs.concat(events);
    }));
  }
  function loadAll() {
    return withLoading(fetchLog('').then(function (recs) { events = recs; }));
  }
  function loadDate(d) {
    return withLoading(fetchLog('?date=' + encodeURIComponent(d)).then(function (recs) { events = recs; }));
  }

  function onLive(ev, text) {
    setServerHead({ seq: ev.seq, hash: ev.hash });
    if (loading || !events.length || ev.seq !== last() + 1) return;
    events.push(record(enc.encode(text)));
    render();
  }

  function serviceOf(d) {
    if (d.service) return [d.service];
    if (d.from || d.to) return [d.from, d.to];
    if (typeof d.number === 'string') return [prefixes[d.number.replace(/\d+$/, '')]];
    return [];
  }

  function matches(r) {
    var ev = r.ev, d = ev.data || {};
    var svc = $('l-service').value, win = $('l-window').value, date = $('l-date').value;
    if ($('l-calls').checked && ev.type !== 'ticket.called' && ev.type !== 'ticket.recalled') return false;
    if (svc && serviceOf(d).indexOf(svc) < 0) return false;
    if (win && d.window !== win) return false;
    if (date && H.date(ev.time) !== date) return false;
    return true;
  }

  function numberOf(ticketID) { return (ticketID || '').replace(/^\d+-/, ''); }

  // reasonText is a published reason's name after a separator, or "" when none.
  function reasonText(code) {
    if (!code) return '';
    var r = manualReasons[code] || [code, code];
    return L('：', ': ') + L(r[0], r[1]);
  }

  // reasonCell describes why an event happened, with manual calls set apart.
  function reasonCell(ev) {
    var d = ev.data || {};
    var td = H.el('td', { class: 'reason' });
    switch (ev.type) {
      case 'ticket.called':
        if (d.reason === 'manual') {
          var r = manualReasons[d.manual_reason] || [d.manual_reason, d.manual_reason];
          td.appendChild(H.el('span', { class: 'badge manual' }, L('人工指定（不按顺序）', 'Manual (out of order)')));
          td.appendChild(H.el('span', null, ' ' + L(r[0], r[1])));
          if (d.rule_pick) td.appendChild(H.el('small', null, L('按规则应叫 ', 'the rule would have called ') + d.rule_pick));
        } else {
          var x = REASONS[d.reason] || [d.reason, d.reason];
          td.appendChild(H.el('span', null, L(x[0], x[1])));
        }
        break;
      case 'ticket.recalled':
        td.textContent = L('重呼', 'recall');
        break;
      case 'ticket.transferred':
        td.textContent = optName('l-service', d.from) + ' → ' + optName('l-service', d.to) + reasonText(d.reason);
        break;
      case 'ticket.reinstated':
        td.textContent = d.after ? L('排在 ' + numberOf(d.after) + ' 之后', 'placed after ' + numberOf(d.after)) : L('排在最后', 'placed last');
        break;
      case 'ticket.cancelled':
        td.textContent = d.by === 'staff' ? L('工作人员取消', 'by staff') + reasonText(d.reason)
          : d.by === 'kiosk' && d.replaced_by ? L('取号机未收到应答，已改发离线号 ' + d.replaced_by, 'the kiosk got no answer and printed ' + d.replaced_by + ' offline instead')
          : d.by === 'kiosk' ? L('取号机未收到应答，未打印此号', 'the kiosk got no answer and printed nothing')
          : L('取号人放弃', 'by the applicant');
        break;
      case 'ticket.issued':
        td.textContent = optName('l-service', d.service) + (d.priority ? L(' · 优先', ' · priority') : '');
        break;
      case 'day.sealed':
        td.textContent = L('取号 ' + d.issued + '，办结 ' + d.served + '，失效 ' + d.expired, 'issued ' + d.issued + ', served ' + d.served + ', expired ' + d.expired);
        break;
      case 'log.checkpoint':
        td.textContent = L('签署 #' + d.seq + ' ' + (d.hash || '').slice(0, 8), 'signs #' + d.seq + ' ' + (d.hash || '').slice(0, 8));
        break;
      case 'rating.submitted':
      case 'case.opened':
        var lv = LEVELS[d.level] || [d.level, d.level];
        td.textContent = L(lv[0], lv[1]) + (d.due ? L('，限 ' + d.due + ' 前办结', ', due ' + d.due) : '');
        break;
      case 'case.closed':
        td.textContent = d.on_time ? L('按期办结', 'closed on time') : L('超期办结', 'closed late');
        break;
      case 'complaint.filed':
        td.textContent = d.about === 'window' ? L('窗口 ' + d.target, 'window ' + d.target)
          : d.about === 'service' ? optName('l-service', d.target) : L('大厅', 'the hall');
        break;
      case 'lease.granted':
      case 'lease.voided':
        td.textContent = (d.numbers || []).join(' ');
        break;
    }
    return td;
  }

  function render() {
    var rows = $('l-rows');
    rows.textContent = '';
    var shown = 0, matched = 0;
    var multiDay = events.length && H.date(events[0].ev.time) !== H.date(events[events.length - 1].ev.time);
    for (var i = events.length - 1; i >= 0; i--) {
      var r = events[i];
      if (!matches(r)) continue;
      matched++;
      if (shown >= showCount) continue;
      shown++;
      var ev = r.ev, d = ev.data || {};
      var t = TYPES[ev.type] || [ev.type, ev.type];
      var manual = ev.type === 'ticket.called' && d.reason === 'manual';
      rows.appendChild(H.el('tr', { class: manual ? 'manual' : null, 'data-seq': String(ev.seq), 'data-type': ev.type },
        H.el('td', { class: 'seq' }, String(ev.seq)),
        H.el('td', { class: 'time' }, (multiDay ? H.date(ev.time).slice(5) + ' ' : '') + H.clock(ev.time)),
        H.el('td', { class: 'num' }, d.number || ''),
        H.el('td', null, L(t[0], t[1])),
        H.el('td', null, d.window ? optName('l-window', d.window) : ''),
        reasonCell(ev)));
    }
    var date = $('l-date').value;
    $('l-empty').hidden = matched > 0 || (!events.length && !date);
    $('l-more').hidden = matched <= shown;
    $('l-older').disabled = first() <= 1;
    $('l-loaded').textContent = events.length
      ? L('已加载第 ' + first() + ' 至 ' + last() + ' 条记录，共 ' + events.length + ' 条；显示 ' + shown + ' / ' + matched + ' 条符合条件的记录。',
        'Loaded records ' + first() + ' to ' + last() + ' (' + events.length + '); showing ' + shown + ' of ' + matched + ' matching.')
      : date ? L(date + ' 没有记录。', 'No records on ' + date + '.') : L('日志中还没有记录。', 'The log has no records yet.');
    $('l-download').href = '/log.jsonl?' + (date ? 'date=' + encodeURIComponent(date) + '&' : '') + 'download=1';
  }

  function hexToBytes(h) {
    var b = new Uint8Array(h.length / 2);
    for (var i = 0; i < b.length; i++) b[i] = parseInt(h.substr(i * 2, 2), 16);
    return b;
  }
  function toHex(b) {
    var s = '';
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  var HASH_KEY = enc.encode(',"hash":"');

  // verify recomputes the chain of consecutive published events. The first
  // event's previous hash is the genesis hash for seq 1, else its own prev_hash,
  // taken as given. It resolves to {ok, from, to, count, head} or {ok: false,
  // seq or line, zh, en}.
  function verify(items) {
    var parsed = [];
    for (var i = 0; i < items.length; i++) {
      var raw = items[i].raw, n = raw.length, ev = items[i].ev;
      var fail = function (zh, en) {
        return { ok: false, seq: ev && typeof ev.seq === 'number' ? ev.seq : null, line: i + 1, zh: zh, en: en };
      };
      if (!ev) return Promise.resolve(fail('不是有效的 JSON 记录', 'is not a valid JSON record'));
      var tail = n >= SUFFIX ? raw.subarray(n - SUFFIX, n - SUFFIX + HASH_KEY.length) : null;
      var okTail = tail && raw[n - 1] === 125 && raw[n - 2] === 34 && HASH_KEY.every(function (c, j) { return tail[j] === c; });
      var hash = okTail ? String.fromCharCode.apply(null, raw.subarray(n - 66, n - 2)) : '';
      if (!okTail || !/^[0-9a-f]{64}$/.test(hash) || ev.hash !== hash) {
        return Promise.resolve(fail('记录末尾没有按格式写出的 hash', 'does not end with a hash in the published layout'));
      }
      if (typeof ev.prev_hash !== 'string' || !/^[0-9a-f]{64}$/.test(ev.prev_hash)) {
        return Promise.resolve(fail('prev_hash 格式错误', 'has a malformed prev_hash'));
      }
      var prev;
      if (i === 0) {
        prev = ev.seq === 1 ? GENESIS : ev.prev_hash;
      } else {
        if (ev.seq !== parsed[i - 1].seq + 1) {
          return Promise.resolve(fail('序号不连续（上一条是第 ' + parsed[i - 1].seq + ' 条）', 'does not follow record ' + parsed[i - 1].seq));
        }
        prev = parsed[i - 1].hash;
      }
      if (ev.prev_hash !== prev) {
        return Promise.resolve(fail('prev_hash 与上一条记录的哈希不符', 'has a prev_hash that is not the previous record\'s hash'));
      }
      var body = new Uint8Array(32 + n - SUFFIX + 1);
      body.set(hexToBytes(prev), 0);
      body.set(raw.subarray(0, n - SUFFIX), 32);
      body[body.length - 1] = 125; // the body's closing brace
      parsed.push({ seq: ev.seq, hash: hash, input: body });
    }
    var digests = new Array(parsed.length);
    var chunk = 256;
    function run(at) {
      if (at >= parsed.length) return Promise.resolve();
      var ps = [];
      for (var j = at; j < Math.min(at + chunk, parsed.length); j++) {
        ps.push(H.sha256(parsed[j].input).then((function (k) { return function (d) { digests[k] = toHex(d); }; })(j)));
      }
      return Promise.all(ps).then(function () { return run(at + chunk); });
    }
    return run(0).then(function () {
      for (var k = 0; k < parsed.length; k++) {
        if (digests[k] !== parsed[k].hash) {
          return { ok: false, seq: parsed[k].seq, line: k + 1, zh: '内容与哈希不符：这条记录被改动过', en: 'does not match its hash: the record was changed' };
        }
      }
      var lastOne = parsed[parsed.length - 1];
      return { ok: true, from: parsed.length ? parsed[0].seq : 0, to: lastOne ? lastOne.seq : 0, count: parsed.length, head: lastOne ? lastOne.hash : GENESIS };
    });
  }

  function showResult(el, res, source) {
    el.hidden = false;
    el.textContent = '';
    el.className = 'verify-result ' + (res.ok ? 'ok' : 'bad');
    el.setAttribute('data-ok', res.ok ? 'true' : 'false');
    if (!res.ok) {
      el.setAttribute('data-seq', res.seq === null ? '' : String(res.seq));
      var where = res.seq !== null ? L('第 ' + res.seq + ' 条记录', 'Record ' + res.seq) : L('第 ' + res.line + ' 行', 'Line ' + res.line);
      el.appendChild(H.el('strong', null, L('✗ 核验失败：', '✗ Verification failed: ')));
      el.appendChild(document.createTextNode(where + L('：', ' ') + L(res.zh, res.en) + L('。', '.')));
      return;
    }
    el.removeAttribute('data-seq');
    if (!res.count) {
      el.appendChild(document.createTextNode(L('没有可核验的记录。', 'There are no records to verify.')));
      return;
    }
    el.setAttribute('data-head', res.head);
    el.appendChild(H.el('strong', null, L('✓ 哈希链核验通过', '✓ Hash chain verified')));
    el.appendChild(document.createTextNode(L('：' + source + '第 ' + res.from + ' 至 ' + res.to + ' 条，共 ' + res.count + ' 条记录。',
      ': ' + source + 'records ' + res.from + ' to ' + res.to + ', ' + res.count + ' in all.')));
    el.appendChild(H.el('br'));
    el.appendChild(document.createTextNode(L('链头哈希：', 'Head hash: ')));
    el.appendChild(H.el('code', { class: 'hash', id: el.id + '-head' }, res.head));
    if (res.from > 1) {
      el.appendChild(H.el('small', null, L('第 ' + res.from + ' 条之前的哈希取自该条记录的 prev_hash；加载全部记录可从第 1 条开始核验。',
        'The hash before record ' + res.from + ' is taken from its prev_hash; load the whole log to verify from record 1.')));
    } else {
      el.appendChild(H.el('small', null, L('从第 1 条（创始哈希为 64 个 0）开始完整核验。', 'Verified in full from record 1 (genesis hash of 64 zeros).')));
    }
    if (serverHead && source === '' && res.to === serverHead.seq) {
      var same = res.head === serverHead.hash;
      el.appendChild(H.el('small', { class: same ? 'match' : 'mismatch' }, same
        ? L('与服务器公布的链头一致。', 'It matches the head the server publishes.')
        : L('与服务器公布的链头不一致！', 'It does NOT match the head the server publishes!')));
    }
    el.appendChild(H.el('small', null, H.webCrypto ? L('（使用浏览器 Web Crypto 计算 SHA-256）', '(SHA-256 by the browser\'s Web Crypto)')
      : L('（此连接不是安全连接，浏览器未提供 Web Crypto，改用页面内置的 SHA-256 计算）', '(this connection is not secure, so the browser offers no Web Crypto; the page\'s own SHA-256 was used)')));
  }

  function clearResult() { $('l-result').hidden = true; }

  function verifyLoaded() {
    var btn = $('l-verify');
    btn.disabled = true;
    var res = $('l-result');
    res.hidden = false;
    res.className = 'verify-result';
    res.removeAttribute('data-ok');
    res.textContent = L('正在核验…', 'Verifying…');
    verify(events.slice()).then(function (r) { showResult(res, r, ''); }).then(function () { btn.disabled = false; });
  }

  function verifyFile(file) {
    var out = $('l-file-result');
    out.hidden = false;
    out.className = 'verify-result';
    out.removeAttribute('data-ok');
    out.textContent = L('正在核验 ', 'Verifying ') + file.name + '…';
    file.arrayBuffer().then(function (buf) {
      var items = lines(buf).map(function (raw) {
        try { return record(raw); } catch (e) { return { raw: raw, ev: null }; }
      });
      return verify(items);
    }).then(function (r) {
      showResult(out, r, L('文件 ' + file.name + ' ', 'file ' + file.name + ', '));
    }, function (e) {
      out.className = 'verify-result bad';
      out.textContent = L('无法读取文件：', 'Cannot read the file: ') + e.message;
    });
  }

  $('l-verify').addEventListener('click', verifyLoaded);
  $('l-older').addEventListener('click', function () { loadOlder(); });
  $('l-all').addEventListener('click', function () { $('l-date').value = ''; loadAll(); });
  $('l-more').addEventListener('click', function () { showCount += 300; render(); });
  ['l-service', 'l-window', 'l-calls'].forEach(function (id) {
    $(id).addEventListener('change', function () { showCount = 300; render(); });
  });
  $('l-date').addEventListener('change', function () {
    showCount = 300;
    var d = $('l-date').value;
    if (d) loadDate(d); else loadRecent();
  });
  $('l-filters').addEventListener('submit', function (e) { e.preventDefault(); });
  $('l-file').addEventListener('change', function () { if (this.files[0]) verifyFile(this.files[0]); });
  var drop = $('l-drop');
  drop.addEventListener('dragover', function (e) { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
  drop.addEventListener('drop', function (e) {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) verifyFile(e.dataTransfer.files[0]);
  });
  H.onLang(function () {
    render();
    if (serverHead) setServerHead(serverHead);
    if (stream) H.showLive($('l-live'), $('l-live-text'), $('l-live').getAttribute('data-state'));
  });

  loadRecent().then(function () {
    stream = new H.Stream(serverHead ? serverHead.seq : last(), {
      onEvent: onLive,
      onHeartbeat: function (hb) { setServerHead({ seq: hb.seq, hash: hb.hash }); },
      onStatus: function (s) { H.showLive($('l-live'), $('l-live-text'), s); },
      resync: function () {
        return H.head().then(function (h) {
          if (h.seq < last()) { // the server's log is not the one loaded: start over
            serverHead = null;
            $('l-date').value = '';
            return loadRecent().then(function () { return last(); });
          }
          return Math.min(h.seq, stream.after);
        });
      }
    });
  });
})();
