/* ES5 bootstrap: runs in every browser, including Internet Explorer 11. When the
   browser has no WebAssembly, the module scripts never start, so say so plainly. */
(function () {
  'use strict';
  if (typeof WebAssembly === 'object' && typeof Promise === 'function') {
    return;
  }
  var status = document.getElementById('status');
  if (!status) {
    return;
  }
  status.setAttribute('data-state', 'error');
  while (status.firstChild) {
    status.removeChild(status.firstChild);
  }
  var h = document.createElement('h1');
  h.appendChild(document.createTextNode('This browser cannot open the quick call'));
  var p = document.createElement('p');
  p.className = 'message';
  p.appendChild(document.createTextNode(
    'It does not support WebAssembly (Internet Explorer, or a browser with ' +
    'WebAssembly turned off). Open this link in Microsoft Edge, Chrome or Firefox, ' +
    'or ask your administrator to make one of them the default browser.'));
  status.appendChild(h);
  status.appendChild(p);
})();
