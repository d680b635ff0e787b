// outbox-mailer console: the live counts in the header, read from /api/counts every 2 seconds.
(function () {
  var live = document.getElementById('live');
  if (!live || !window.fetch) { return; }
  function refresh() {
    fetch(live.getAttribute('data-src'), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (counts) {
        if (!counts) { return; }
        Object.keys(counts).forEach(function (key) {
          var el = live.querySelector('[data-count="' + key + '"]');
          if (el) { el.textContent = String(counts[key]); }
        });
        live.classList.toggle('stale', false);
      })
      .catch(function () { live.classList.toggle('stale', true); });
  }
  setInterval(refresh, 2000);
})();
