// guichê — the desks' one script (embedded in the binary, served from /estatico/).
// A section with data-atualizar="MS" is loaded again every MS milliseconds and replaced in
// place (the section is a polite live region), until the new page no longer asks for it.
// Without this script the page works the same, with its "Atualizar agora" link.
(function () {
  'use strict';
  function agendar(secao) {
    var ms = parseInt(secao.getAttribute('data-atualizar'), 10);
    if (!(ms > 0)) return;
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
        .then(function (r) { return r.text(); })
        .then(function (texto) {
          var nova = new DOMParser().parseFromString(texto, 'text/html').getElementById(secao.id);
          if (!nova) return;
          secao.innerHTML = nova.innerHTML;
          if (nova.hasAttribute('data-atualizar')) {
            secao.setAttribute('data-atualizar', nova.getAttribute('data-atualizar'));
            agendar(secao);
          } else {
            secao.removeAttribute('data-atualizar');
          }
        })
        .catch(function () { agendar(secao); });
    }, ms);
  }
  document.querySelectorAll('[data-atualizar]').forEach(function (secao) {
    if (secao.id) agendar(secao);
  });
})();
