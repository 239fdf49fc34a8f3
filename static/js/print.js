// The day list's "Print" button: shown only when JavaScript can print (Ctrl+P works without it).
document.querySelectorAll(".print-button").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
