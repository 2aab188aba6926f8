// The ALTCHA widget (vendored, external build: no inline styles or workers) computes its
// proof of work in the worker file named by the page.
var widget = document.querySelector("altcha-widget");
if (widget && globalThis.$altcha) {
  var worker = widget.dataset.worker;
  globalThis.$altcha.algorithms.set("PBKDF2/SHA-256", function () { return new Worker(worker); });
}
