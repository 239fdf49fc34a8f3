/* Small helps for the client's forms; every form works without this file.
   - A text area with data-max-length counts down the characters left (as the server counts
     them: code points, a line break is one), and says how many are too many.
   - After a failed submit the error summary is focused, and its links focus their field. */
(function () {
  "use strict";

  function countDown(area) {
    var max = parseInt(area.getAttribute("data-max-length"), 10);
    var left = area.getAttribute("data-count-left");
    var over = area.getAttribute("data-count-over");
    if (!max || !left || !over) return;
    var shown = document.createElement("p");
    shown.className = "char-count form-text";
    shown.id = area.id + "-count";
    shown.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", shown);
    shown.insertAdjacentElement("afterend", spoken);
    var timer = null;
    function update() {
      var length = Array.from(area.value.replace(/\r\n?/g, "\n")).length;
      var text = length <= max
        ? left.replace("%(count)s", String(max - length))
        : over.replace("%(count)s", String(length - max));
      shown.textContent = text;
      shown.classList.toggle("char-count-over", length > max);
      clearTimeout(timer);
      timer = setTimeout(function () { spoken.textContent = text; }, 800);
    }
    area.addEventListener("input", update);
    update();
    spoken.textContent = "";
  }

  function errorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    if (document.activeElement !== summary) summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field || !field.matches("input, select, textarea")) return;
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
    });
  }

  document.querySelectorAll("textarea[data-max-length]").forEach(countDown);
  errorSummary();
})();
