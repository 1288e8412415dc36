/* StudyHub's service worker: the app shell and the readings a member opened, for reading
   offline. Nothing else is cached and nothing is fetched from another host.

   - /static/… (file names carry ?v=<hash>): cache first, kept while they are used.
   - Home and reading pages: network first; a good answer is kept (home and the last
     KEEP_READINGS readings), and served when the network is not there.
   - Any other page: network only; offline, the kept copy if there is one, else /offline.
   - POSTs and other hosts: never touched (the exam page keeps its own answer queue,
     the reading page its unsent seconds).
   A page without a login (the login page) clears the kept pages: they are personal. */
"use strict";

var VERSION = "1";
var SHELL = "studyhub-shell-" + VERSION;
var STATIC = "studyhub-static";
var PAGES = "studyhub-pages";
var OFFLINE = "/offline";
var KEEP_READINGS = 6;
var READING = /^\/readings\/\d+$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL)
      .then(function (cache) { return cache.addAll([OFFLINE, "/manifest.webmanifest", "/favicon.ico"]); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("studyhub-shell-") === 0 && name !== SHELL;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget-pages") {
    event.waitUntil(caches.delete(PAGES));
  }
});

function keepable(path) {
  return path === "/" || READING.test(path);
}

function keep(request, response) {
  var path = new URL(request.url).pathname;
  return caches.open(PAGES).then(function (cache) {
    return cache.delete(request).then(function () {
      return cache.put(request, response);
    }).then(function () {
      return cache.keys();
    }).then(function (keys) {
      var readings = keys.filter(function (key) { return READING.test(new URL(key.url).pathname); });
      var extra = readings.length - KEEP_READINGS;
      return Promise.all(readings.slice(0, Math.max(0, extra)).map(function (key) {
        return cache.delete(key);
      }));
    });
  }).catch(function () { /* storage full: reading offline is a bonus */ }).then(function () {
    return path;
  });
}

function fromCache(request) {
  return caches.open(PAGES)
    .then(function (cache) { return cache.match(request); })
    .then(function (found) { return found || caches.match(OFFLINE); });
}

function page(event) {
  var request = event.request;
  var path = new URL(request.url).pathname;
  return fetch(request).then(function (response) {
    // A redirect (to the login page) or an error is not the page asked for.
    if (keepable(path) && response.ok && !response.redirected && response.type === "basic") {
      event.waitUntil(keep(request, response.clone()));
    }
    return response;
  }, function () {
    return fromCache(request);
  });
}

function asset(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (found) {
      if (found) return found;
      return fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(asset(request));
  } else if (url.pathname === "/manifest.webmanifest" || url.pathname === "/favicon.ico") {
    event.respondWith(fetch(request).catch(function () { return caches.match(request); }));
  }
});
