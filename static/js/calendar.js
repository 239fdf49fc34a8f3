// The staff calendar's grid: links that need JavaScript (drag to move) appear only when it runs.
document.querySelectorAll("[data-needs-script]").forEach((element) => {
  element.hidden = false;
});
