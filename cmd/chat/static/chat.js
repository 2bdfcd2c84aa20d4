// The chat room page: live messages over a WebSocket, or by long polling
// when the WebSocket fails; posts through the JSON API. Every message is
// inserted as text (textContent), never as HTML.
(function () {
  'use strict';
  var root = document.getElementById('chat');
  if (!root) return;
  var room = root.dataset.room, uid = root.dataset.uid;
  var last = parseInt(root.dataset.last, 10) || 0;
  var list = document.getElementById('messages');
  var status = document.getElementById('status');
  var form = document.getElementById('send');
  var input = document.getElementById('message');
  var catching = false, again = false;

  function setStatus(text, cls, transport) {
    status.textContent = text;
    status.className = 'status ' + (cls || '');
    if (transport !== undefined) status.dataset.transport = transport;
  }

  function clock(iso) {
    var d = new Date(iso);
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    return p(d.getHours()) + ':' + p(d.getMinutes());
  }

  function append(m) {
    var li = document.createElement('li');
    li.dataset.id = m.id;
    var t = document.createElement('time');
    t.dateTime = m.time;
    t.textContent = clock(m.time);
    var b = document.createElement('b');
    b.className = 'author';
    b.textContent = m.uid;
    var s = document.createElement('span');
    s.className = 'text';
    s.textContent = m.text;
    li.append(t, ' ', b, ' ', s);
    var atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.appendChild(li);
    if (atEnd || m.uid === uid) list.scrollTop = list.scrollHeight;
  }

  function unread(name) {
    var li = document.querySelector('#rooms li[data-room="' + CSS.escape(name) + '"] .unread');
    if (li) li.textContent = String((parseInt(li.textContent, 10) || 0) + 1);
  }

  // show displays m once, in id order; a gap means we missed messages
  // (a full queue, a reconnect), which history fills.
  function show(m) {
    if (m.room !== room) { unread(m.room); return; }
    if (m.id <= last) return;
    if (m.id > last + 1) { catchUp(); return; }
    append(m);
    last = m.id;
  }

  function catchUp() {
    if (catching) { again = true; return; }
    catching = true;
    fetch('/api/rooms/' + encodeURIComponent(room) + '/messages?after=' + last + '&limit=1000')
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        d.messages.forEach(function (m) { if (m.id === last + 1) { append(m); last = m.id; } });
        catching = false;
        if (again || d.more) { again = false; catchUp(); }
      })
      .catch(function () { catching = false; setTimeout(catchUp, 2000); });
  }

  function rejoin() {
    return fetch('/api/join/' + encodeURIComponent(room) + '/' + encodeURIComponent(uid), { method: 'POST' })
      .then(function (r) { if (!r.ok) throw new Error('join: ' + r.status); });
  }

  // --- long polling ---
  function poll() {
    setStatus('live (polling)', 'live', 'poll');
    fetch('/api/poll/' + encodeURIComponent(uid), { method: 'POST' })
      .then(function (r) {
        if (r.status === 404) return rejoin().then(catchUp);
        if (!r.ok) throw new Error(r.status);
        return r.json().then(function (d) { d.messages.forEach(show); });
      })
      .then(poll)
      .catch(function () {
        setStatus('reconnecting…', 'bad');
        setTimeout(poll, 2000);
      });
  }

  // --- WebSocket, preferred ---
  var wsFailures = 0;
  function connect() {
    if (root.dataset.ws !== 'true' || !window.WebSocket) { poll(); return; }
    var opened = false;
    var ws;
    try {
      ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/' + encodeURIComponent(uid));
    } catch (e) { poll(); return; }
    ws.onopen = function () {
      opened = true;
      wsFailures = 0;
      setStatus('live', 'live', 'websocket');
      catchUp();
    };
    ws.onmessage = function (ev) {
      try { show(JSON.parse(ev.data)); } catch (e) { /* ignore a bad frame */ }
    };
    ws.onclose = function () {
      ws.onclose = ws.onerror = null;
      wsFailures++;
      if (!opened && wsFailures >= 2) { poll(); return; }
      setStatus('reconnecting…', 'bad');
      setTimeout(function () { rejoin().then(connect, function () { setTimeout(connect, 2000); }); }, opened ? 500 : 1000);
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  // --- sending ---
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    fetch('/api/rooms/' + encodeURIComponent(room) + '/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ uid: uid, text: text })
    }).then(function (r) {
      if (r.ok) {
        input.value = '';
        return r.json().then(show);
      }
      return r.text().then(function (t) {
        var after = r.headers.get('Retry-After');
        setStatus(t.trim() + (after ? ' (retry in ' + after + ' s)' : ''), 'bad');
      });
    }).catch(function () { setStatus('not sent: offline', 'bad'); });
  });

  // The room list's online counts.
  setInterval(function () {
    fetch('/api/rooms').then(function (r) { return r.json(); }).then(function (d) {
      d.rooms.forEach(function (ri) {
        var el = document.querySelector('#rooms li[data-room="' + CSS.escape(ri.name) + '"] .online');
        if (el) el.textContent = ri.online;
      });
    }).catch(function () {});
  }, 10000);

  list.scrollTop = list.scrollHeight;
  connect();
})();
