/* The live lesson page: play the stream (native HLS, the vendored hls.js, or a
   plain MP4/WebM), show the comments (asking for those changed since the last
   change number every 2 s; in a replay, each at its time in the video), post
   comments, let the host hide and pin, and report watch time: a second counts
   only while the video plays and the page is visible; unsent seconds are kept
   through a failed report and sent with the next one; the server clamps every
   report to the time that really passed. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch || !window.URLSearchParams) return;

  var token = root.getAttribute("data-csrf");
  var feedUrl = root.getAttribute("data-feed-url");
  var watchUrl = root.getAttribute("data-watch-url");
  var commentUrl = root.getAttribute("data-comment-url");
  var hideUrl = root.getAttribute("data-hide-url");
  var pinUrl = root.getAttribute("data-pin-url");
  var feedEvery = parseInt(root.getAttribute("data-feed-every"), 10) || 2000;
  var watchEvery = parseInt(root.getAttribute("data-watch-every"), 10) || 15000;
  var moderator = root.getAttribute("data-moderator") === "1";
  var member = root.getAttribute("data-member") === "1";
  var replay = root.getAttribute("data-replay") === "1";
  var video = document.getElementById("live-video");
  var list = document.getElementById("live-comments");
  var pinnedList = document.getElementById("live-pinned");
  var viewers = document.getElementById("live-viewers");
  var label = function (name) { return root.getAttribute("data-label-" + name); };

  var seq = 0;
  var comments = {}; // id -> item
  var pending = 0; // watched seconds not yet acknowledged
  var lastTick = Date.now();
  var lastSent = Date.now();
  var sending = false;

  /* --- the player ------------------------------------------------------ */
  if (video && root.getAttribute("data-hls") === "1") {
    var src = video.getAttribute("data-src");
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
    } else if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.loadSource(src);
      hls.attachMedia(video);
    } else {
      video.hidden = true;
      document.getElementById("live-unsupported").hidden = false;
    }
  }

  /* --- comments -------------------------------------------------------- */
  function clock(offset) {
    var m = Math.floor(offset / 60), s = offset % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function post(url, data) {
    data.set("csrf_token", token);
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" }
    });
  }

  function button(text, url, id) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button small";
    b.textContent = text;
    b.addEventListener("click", function () {
      post(url.replace(/\/0\/(hide|pin)$/, "/" + id + "/$1"), new URLSearchParams()).then(poll);
    });
    return b;
  }

  function render(item) {
    var li = document.createElement("li");
    li.id = "live-comment-" + item.id;
    li.className = "live-comment" + (item.hidden ? " is-hidden" : "") + (item.pinned ? " is-pinned" : "");
    var time = document.createElement("span");
    time.className = "live-time";
    time.textContent = clock(item.offset);
    var name = document.createElement("strong");
    name.textContent = item.name + "：";
    var body = document.createElement("span");
    body.className = "live-body";
    body.textContent = item.body;
    li.appendChild(time);
    li.appendChild(name);
    li.appendChild(body);
    if (item.hidden) {
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = label("hidden");
      li.appendChild(tag);
    }
    if (moderator && !item.hidden) {
      li.appendChild(button(label("hide"), hideUrl, item.id));
      if (!item.pinned) li.appendChild(button(label("pin"), pinUrl, item.id));
    }
    return li;
  }

  function shownNow(item) {
    if (item.hidden && !moderator) return false;
    if (!replay || !video) return true;
    return item.offset <= (video.currentTime || 0);
  }

  function redraw() {
    var ids = Object.keys(comments).map(Number).sort(function (a, b) { return a - b; });
    var frag = document.createDocumentFragment();
    var pins = document.createDocumentFragment();
    ids.forEach(function (id) {
      var item = comments[id];
      if (!shownNow(item)) return;
      if (item.pinned) pins.appendChild(render(item));
      frag.appendChild(render(item));
    });
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    list.textContent = "";
    list.appendChild(frag);
    pinnedList.textContent = "";
    pinnedList.appendChild(pins);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function apply(data) {
    if (typeof data.viewers === "number" && viewers) viewers.textContent = String(data.viewers);
    var changed = false;
    (data.comments || []).forEach(function (item) {
      if (item.hidden && !moderator) {
        if (comments[item.id]) { delete comments[item.id]; changed = true; }
        return;
      }
      comments[item.id] = item;
      changed = true;
    });
    seq = Math.max(seq, data.seq || 0);
    if (changed) redraw();
  }

  var polling = false;
  /* "Nothing changed" is a 204 whose headers carry the change number, the viewer
     count and when to ask next (the server asks for longer with more viewers). The
     JSON content type lets the server check the login itself, cheaply. */
  function poll() {
    if (polling) return;
    polling = true;
    fetch(feedUrl + "?since=" + seq, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json" }
    })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        if (r.status === 204) {
          var count = parseInt(r.headers.get("X-Live-Viewers"), 10);
          var every = parseInt(r.headers.get("X-Live-Next"), 10);
          return { viewers: isNaN(count) ? undefined : count, next: isNaN(every) ? undefined : every };
        }
        return r.json();
      })
      .then(function (data) {
        if (data.next && !(channelUrl && window.EventSource)) feedEvery = data.next; // polling only
        apply(data);
      })
      .catch(function () { /* next time */ })
      .then(function () { polling = false; });
  }

  var form = document.getElementById("live-comment-form");
  if (form) {
    var input = document.getElementById("live-comment-body");
    var error = document.getElementById("live-comment-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new URLSearchParams();
      data.set("body", input.value);
      post(commentUrl, data)
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (res.ok) { input.value = ""; error.hidden = true; poll(); }
          else { error.textContent = res.body.error || ""; error.hidden = false; }
        })
        .catch(function () { error.hidden = false; });
    });
  }

  /* --- watch time ------------------------------------------------------ */
  function playing() {
    return video && !video.paused && !video.ended && video.readyState > 2;
  }

  function tick() {
    var now = Date.now();
    var step = Math.min(2, (now - lastTick) / 1000);
    lastTick = now;
    if (playing() && !document.hidden) pending += step;
  }

  function report(leaving) {
    if (!member || !video) return;
    var seconds = Math.floor(pending);
    var data = new URLSearchParams();
    data.set("csrf_token", token);
    data.set("seconds", String(seconds));
    data.set("playing", playing() ? "1" : "0");
    data.set("visible", document.hidden ? "0" : "1");
    if (leaving) {
      if (navigator.sendBeacon && navigator.sendBeacon(watchUrl, data)) pending -= seconds;
      return;
    }
    if (sending) { setTimeout(function () { report(false); }, 500); return; }
    sending = true;
    lastSent = Date.now();
    fetch(watchUrl, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); pending = Math.max(0, pending - seconds); })
      .catch(function () { /* a flaky network: the seconds go with the next report */ })
      .then(function () { sending = false; });
  }

  setInterval(function () {
    tick();
    if (Date.now() - lastSent >= watchEvery) report(false);
  }, 1000);
  /* Pausing or hiding reports the seconds so far and says so; playing again reports
     (no seconds) that counting starts again. */
  if (video) {
    video.addEventListener("pause", function () { tick(); report(false); });
    video.addEventListener("playing", function () { lastTick = Date.now(); report(false); });
    if (replay) video.addEventListener("timeupdate", redraw);
  }
  document.addEventListener("visibilitychange", function () {
    tick();
    lastTick = Date.now();
    report(document.hidden);
  });

  /* With the live channel (Server-Sent Events) changes are pushed; the page catches up
     from the feed when the connection (re)opens and now and then. Without it, it polls. */
  var channelUrl = root.getAttribute("data-channel-url");
  if (channelUrl && window.EventSource && !replay) {
    var source = new EventSource(channelUrl);
    source.addEventListener("change", function (e) { apply(JSON.parse(e.data)); });
    source.addEventListener("viewers", function (e) { apply(JSON.parse(e.data)); });
    source.addEventListener("open", poll);
  }
  poll();
  function again() {
    poll();
    setTimeout(again, feedEvery);
  }
  if (!replay) setTimeout(again, feedEvery);
})();
