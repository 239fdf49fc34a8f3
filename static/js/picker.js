/* The slot picker without page loads; the page works the same without this file.
   - Choosing a day in the strip shows its times (all of the week's times are on the page).
   - Choosing a practitioner, or another week, fetches that picker page and swaps in its week,
     so every time button then books the practitioner shown in the list.
   The address bar follows, so Back, reload and sharing show the same. */
(function () {
  "use strict";

  var form = document.querySelector("[data-picker-form]");
  var status = document.querySelector("[data-picker-status]");
  if (!form || !window.fetch || !window.DOMParser) return;
  var button = form.querySelector("[data-no-js]");
  if (button) button.hidden = true;

  function region() { return document.getElementById("picker-week"); }

  function showChosenChip() {
    var chosen = document.querySelector(".day-strip .day-chip[aria-current]");
    if (chosen && chosen.scrollIntoView) chosen.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  showChosenChip();

  function remember(url) {
    try { window.history.replaceState(null, "", url); } catch (e) { /* not allowed: fine */ }
  }

  function say(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function showDay(link) {
    var week = region();
    var day = link.getAttribute("data-day");
    week.setAttribute("data-day", day);
    form.elements.day.value = day;
    week.querySelectorAll(".day-chip[data-day]").forEach(function (chip) {
      var on = chip === link;
      chip.classList.toggle("is-selected", on);
      if (on) chip.setAttribute("aria-current", "true"); else chip.removeAttribute("aria-current");
    });
    week.querySelectorAll(".week-grid .day").forEach(function (section) {
      section.classList.toggle("is-selected", section.id === "day-" + day);
    });
    remember(link.href);
    var heading = document.querySelector("#day-" + day + " .day-heading");
    if (heading) say(heading.textContent.replace(/\s+/g, " ").trim() + ": " + link.querySelector(".day-chip-count").textContent);
  }

  var latest = 0;

  function load(url, focusSelector) {
    var week = region();
    var mine = ++latest;
    // Until the new times are in, the old ones (another practitioner's, maybe) cannot be tapped.
    week.setAttribute("aria-busy", "true");
    week.classList.add("is-loading");
    week.inert = true;
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (mine !== latest) return;  // a later choice is on its way
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("picker-week");
        if (!fresh) throw new Error("no week");
        region().replaceWith(fresh);
        form.elements.week.value = fresh.getAttribute("data-week");
        form.elements.day.value = fresh.getAttribute("data-day");
        remember(url);
        var heading = fresh.querySelector("#week-heading");
        say(heading ? heading.textContent : "");
        showChosenChip();
        var target = focusSelector && fresh.querySelector(focusSelector);
        if (target) target.focus();
      })
      .catch(function () { window.location.href = url; });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest("#picker-week a");
    if (!link) return;
    if (link.matches(".day-chip[data-day]")) {
      event.preventDefault();
      showDay(link);
    } else if (link.hasAttribute("data-picker-link")) {
      event.preventDefault();
      var rel = link.getAttribute("rel");
      var url = new URL(link.href);
      var who = form.elements.practitioner;
      if (who) url.searchParams.set("practitioner", who.value);  // the list's choice, always
      load(url.toString(), rel ? ".week-nav a[rel=" + rel + "]" : "#week-heading");
    }
  });

  form.addEventListener("change", function () {
    var query = new URLSearchParams(new FormData(form)).toString();
    load(form.action.split("?")[0] + "?" + query, null);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = new URLSearchParams(new FormData(form)).toString();
    load(form.action.split("?")[0] + "?" + query, null);
  });
})();
