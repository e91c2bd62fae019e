// The grading screen: A / U / R (or 1 / 2 / 3) give acceptable / unacceptable / refused.
(function () {
  "use strict";
  const form = document.getElementById("grade-form");
  if (!form) return;
  const keys = { a: "acceptable", "1": "acceptable", u: "unacceptable", "2": "unacceptable",
                 r: "refused", "3": "refused" };
  let sent = false;
  document.addEventListener("keydown", function (event) {
    if (sent || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
    const verdict = keys[event.key.toLowerCase()];
    if (!verdict) return;
    const button = form.querySelector('button[value="' + verdict + '"]');
    if (!button) return;
    event.preventDefault();
    sent = true;  // one verdict per answer, even if the key repeats
    button.click();
  });
})();
