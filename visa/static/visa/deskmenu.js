// The desktop page's toolbar on a phone: everything after the name and state folds into a menu
// that the Menu button opens (visa.css shows the button only at phone widths; wider, the menu is
// the toolbar itself and this module has nothing to do). Escape or a click elsewhere closes it;
// opening puts the focus on the first tool, and it goes back to the button whenever the menu
// closes around it.
const button = document.getElementById("menu-button");
const menu = document.getElementById("desk-menu");

function setOpen(open) {
  const hadFocus = menu.contains(document.activeElement);
  menu.classList.toggle("open", open);
  button.setAttribute("aria-expanded", String(open));
  if (open) menu.querySelector(".tools button:enabled, .tools summary").focus();
  else if (hadFocus) button.focus();
}

button.addEventListener("click", () => setOpen(!menu.classList.contains("open")));
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !menu.classList.contains("open")) return;
  if (!menu.contains(event.target) && event.target !== button) return;
  const list = event.target.closest("details[open]");
  if (list) {  // Escape closes an open list (Keys, who is connected) first
    list.open = false;
    list.querySelector("summary").focus();
  } else {
    setOpen(false);
  }
});
document.addEventListener("click", (event) => {
  if (!menu.classList.contains("open") || event.target === button || event.target.closest("dialog")) return;
  if (!menu.contains(event.target)) { setOpen(false); return; }
  // A tool that acts on the desktop (Clipboard, a key, Full screen) closes the menu; the dialogs
  // (Share, Details) open over it and give the focus back to their button when they close.
  const tool = event.target.closest("button");
  if (tool && !tool.hasAttribute("aria-haspopup")) setOpen(false);
});
// A window widened past a phone's (visa.css's 640px) shows the toolbar again: the menu is closed.
matchMedia("(max-width: 640px)").addEventListener("change", () => setOpen(false));
