// Scrolls the element into view as far as a user could (only elements whose overflow is auto or
// scroll, and the page, can be scrolled by hand), then returns "ok" when its first line box is in
// the viewport, inside every ancestor that clips overflow, whole, and not covered by another element.
(el) => {
  el.scrollIntoView({block: "center", inline: "center", behavior: "instant"});
  const hides = (v) => v === "hidden" || v === "clip";
  for (let a = el.parentElement; a; a = a.parentElement) {
    const s = getComputedStyle(a);
    const scrolledByScript = (hides(s.overflowX) && a.scrollLeft !== 0) || (hides(s.overflowY) && a.scrollTop !== 0);
    if (scrolledByScript) return "sits in " + a.tagName + "." + a.className + ", which hides overflow: a user cannot scroll to it";
  }
  if (el.scrollWidth > el.clientWidth + 1) return "has its label cut off";
  const r = el.getClientRects()[0];
  if (!r || r.width === 0 || r.height === 0) return "has no size";
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return "is outside the viewport";
  for (let a = el.parentElement; a; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX === "visible" && s.overflowY === "visible") continue;
    const b = a.getBoundingClientRect();
    if (x < b.left || x > b.right || y < b.top || y > b.bottom) return "is clipped by " + a.tagName + "." + a.className;
  }
  const top = document.elementFromPoint(x, y);
  if (!top || !(top === el || el.contains(top))) return "is covered by " + (top ? top.outerHTML.slice(0, 80) : "nothing");
  return "ok";
}