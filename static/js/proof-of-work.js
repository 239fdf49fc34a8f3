/* Solves the booking form's proof-of-work challenge (ALTCHA's protocol) before the form is sent.
   The browser finds n with SHA-256(salt + n) === challenge; about a second on a phone. Without
   JavaScript the form is sent unsolved and the page explains what to do. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-proof-of-work]");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  var challenge = JSON.parse(form.getAttribute("data-proof-of-work"));
  var field = form.querySelector("input[name=proof_of_work]");
  var status = form.querySelector("[data-proof-of-work-status]");
  var encoder = new TextEncoder();
  var solving = false;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  async function solve() {
    for (var n = 0; n <= challenge.maxNumber; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n));
      if (hex(digest) === challenge.challenge) return n;
    }
    return null;
  }

  form.addEventListener("submit", function (event) {
    if (field.value || solving) return;
    event.preventDefault();
    var submitter = event.submitter;
    solving = true;
    if (status) status.hidden = false;
    solve().then(function (number) {
      if (number !== null) {
        field.value = btoa(JSON.stringify({
          algorithm: challenge.algorithm, challenge: challenge.challenge, number: number,
          salt: challenge.salt, signature: challenge.signature
        }));
      }
      if (status) status.hidden = true;
      // submit() sends no submit event (nothing intercepts it again) and ignores the button's
      // formaction: a time button of the "book another time" list names its own address.
      if (submitter && submitter.hasAttribute("formaction")) form.action = submitter.formAction;
      form.submit();
    });
  });
})();
