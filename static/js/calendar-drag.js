// Drag to move on the staff calendar's day view. EventCalendar (static/vendor/event-calendar, MIT)
// is built from the server-rendered grid's own blocks and columns, shown in its place; every drop
// posts to the appointment's move page (the same rules and race-proof move as its form), and the
// block lands where the server says: refused, it goes back and the reason is read out. Without
// JavaScript the server's grid and the move form do all of this.
(function () {
  "use strict";
  const settings = document.getElementById("cal-drag");
  const grid = document.querySelector(".cal-grid");
  if (!settings || !grid || !window.EventCalendar || !window.fetch) return;

  const COLOURS = {
    confirmed: "#0b5d63",
    arrived: "#8a4b00",
    completed: "#4b5563",
    no_show: "#ba2121",
  };
  const pad = (n) => String(n).padStart(2, "0");
  // Times are the practice's wall clock ("2026-12-10T09:00:00", as the server renders them); a drop
  // is the server's start plus the drag's delta, whatever the browser's own time zone.
  const serverStart = new Map();
  function movedBy(start, delta) {
    const [day, clock] = start.split("T");
    const [year, month, date] = day.split("-").map(Number);
    const [hours, minutes] = clock.split(":").map(Number);
    const moved = new Date(
      Date.UTC(year, month - 1, date + (delta.days || 0), hours, minutes, delta.seconds || 0),
    );
    return {
      date: `${moved.getUTCFullYear()}-${pad(moved.getUTCMonth() + 1)}-${pad(moved.getUTCDate())}`,
      time: `${pad(moved.getUTCHours())}:${pad(moved.getUTCMinutes())}`,
    };
  }

  const resources = Array.from(grid.querySelectorAll(".cal-head[data-practitioner]")).map((head) => ({
    id: head.dataset.practitioner,
    title: head.textContent.trim(),
  }));
  const blocks = grid.querySelectorAll("a.cal-appt[data-appointment]");
  blocks.forEach((block) => serverStart.set(block.dataset.appointment, block.dataset.start));
  const events = Array.from(blocks).map((block) => ({
    id: block.dataset.appointment,
    resourceIds: [block.dataset.practitioner],
    start: block.dataset.start,
    end: block.dataset.end,
    // The block's lines without its clock: the calendar shows the time itself.
    title: Array.from(block.querySelectorAll(".cal-line"), (line) => {
      const copy = line.cloneNode(true);
      copy.querySelectorAll("strong").forEach((clock) => clock.remove());
      return copy.textContent.trim();
    })
      .filter(Boolean)
      .join(" · "),
    backgroundColor: COLOURS[block.dataset.status] || COLOURS.confirmed,
    startEditable: block.dataset.move !== undefined,
    durationEditable: false,
    extendedProps: { move: block.dataset.move },
  }));

  // Outside working hours and closures, from the grid's cells, as the calendar's background.
  const firstHour = Number(settings.dataset.firstHour);
  const practitionerOf = new Map();
  grid.querySelectorAll(".cal-head[data-practitioner]").forEach((head) => {
    practitionerOf.set(head.className.match(/\bc-(\d+)/)[1], head.dataset.practitioner);
  });
  const clockAt = (row) => {
    const minutes = firstHour * 60 + (row - 2) * 15;
    return `${settings.dataset.date}T${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00`;
  };
  const background = [];
  function shade(element, rows, colour) {
    const column = element.className.match(/\bc-(\d+)/);
    const row = element.className.match(/\brs-(\d+)/);
    if (!column || !row || !practitionerOf.has(column[1])) return;
    const first = Number(row[1]);
    const last = Math.min(first + rows, first + 96);
    const previous = background[background.length - 1];
    if (previous && previous.col === column[1] && previous.last === first && previous.backgroundColor === colour) {
      previous.last = last;
      previous.end = clockAt(last);
      return;
    }
    background.push({
      col: column[1],
      last,
      resourceIds: [practitionerOf.get(column[1])],
      start: clockAt(first),
      end: clockAt(last),
      display: "background",
      backgroundColor: colour,
    });
  }
  grid.querySelectorAll(".cal-cell.closed").forEach((cell) => shade(cell, 1, "#e2e2e2"));
  grid.querySelectorAll(".cal-closure").forEach((closure) => {
    const span = closure.className.match(/\bsp-(\d+)/);
    shade(closure, span ? Number(span[1]) : 1, "#c4c4c4");
  });

  const status = document.createElement("p");
  status.className = "cal-drag-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const host = document.createElement("div");
  host.className = "cal-drag";
  grid.before(status, host);
  grid.classList.add("cal-grid-replaced");

  function say(text, refused) {
    status.textContent = text;
    status.classList.toggle("refused", Boolean(refused));
  }

  let calendar = null;
  function move(info) {
    const before = serverStart.get(info.event.id);
    const when = movedBy(before, info.delta);
    const practitioner = info.newResource ? info.newResource.id : info.event.resourceIds[0];
    const body = new URLSearchParams({
      csrfmiddlewaretoken: settings.dataset.csrf,
      date: when.date,
      time: when.time,
      practitioner: String(practitioner),
      notify: "on",
    });
    say(settings.dataset.saving, false);
    fetch(info.event.extendedProps.move, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": settings.dataset.csrf },
    })
      .then((response) => response.json().then((answer) => ({ ok: response.ok && answer.ok, answer })))
      .then(({ ok, answer }) => {
        if (!ok) info.revert();
        if (answer.local_start) {
          serverStart.set(String(answer.id), answer.local_start);
          // Placed elsewhere than dropped, or moved by someone else meanwhile: show the server's day.
          const expected = ok ? `${when.date}T${when.time}:00` : before;
          if (answer.local_start !== expected) {
            window.location.reload();
          }
        }
        say(answer.message, !ok);
      })
      .catch(() => {
        info.revert();
        say(settings.dataset.failed, true);
      });
  }

  // EventCalendar marks its layout as an ARIA table whose rows hold no cells for the events, which
  // misleads screen readers: its parts become plain groups (the server's panels stay the way in).
  const TABLE_ROLES = new Set(["table", "row", "rowgroup", "cell", "gridcell", "columnheader", "rowheader"]);
  function plainRoles() {
    host.querySelectorAll("[role]").forEach((element) => {
      if (TABLE_ROLES.has(element.getAttribute("role"))) element.removeAttribute("role");
    });
    host.querySelectorAll("[aria-colindex], [aria-colspan], [aria-rowindex]").forEach((element) => {
      ["aria-colindex", "aria-colspan", "aria-rowindex"].forEach((name) => element.removeAttribute(name));
    });
    const root = host.querySelector(".ec");
    if (root && root.getAttribute("role") !== "group") {
      root.setAttribute("role", "group");
      root.setAttribute("aria-label", settings.dataset.label);
    }
  }
  new MutationObserver(plainRoles).observe(host, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["role", "aria-colindex", "aria-colspan", "aria-rowindex"],
  });

  calendar = EventCalendar.create(host, {
    view: "resourceTimeGridDay",
    date: settings.dataset.date,
    timeZone: settings.dataset.offset || "UTC",
    locale: document.documentElement.lang || "fi",
    resources,
    events: events.concat(background),
    headerToolbar: { start: "", center: "", end: "" },
    allDaySlot: false,
    slotDuration: "00:15",
    slotHeight: 24,
    slotMinTime: `${pad(Number(settings.dataset.firstHour))}:00`,
    slotMaxTime: `${pad(Number(settings.dataset.lastHour))}:00`,
    scrollTime: `${pad(Number(settings.dataset.firstHour))}:00`,
    height: "auto",
    editable: true,
    eventDurationEditable: false,
    nowIndicator: true,
    eventDrop: move,
    eventClick: (info) => {
      window.location.hash = `appt-${info.event.id}`;
    },
  });
  plainRoles();
})();
