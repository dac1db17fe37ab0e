// The keys of a presenter remote for a lesson: PageDown/PageUp (what most remotes send) and the right
// and left arrow keys step through the lesson's views. A key meant for something else is left alone:
// typing in a field, a slider's or radio group's arrows, the latent plot's arrows (it stops them
// itself), a key with a modifier. `lessonStep` is pure (unit-tested with `node --test`); the instance
// owns one document listener, added at mount and removed at destroy.

const STEPS = { PageDown: 1, ArrowRight: 1, PageUp: -1, ArrowLeft: -1 };
// Roles whose arrow keys and page keys move a value or a selection, not the page.
const OWN_KEYS = new Set(["slider", "spinbutton", "radio", "radiogroup", "listbox", "option", "combobox",
                          "menu", "menuitem", "tab", "tablist", "textbox", "searchbox", "grid"]);
// Not "application": the latent plot takes the arrows itself and lets PageDown/PageUp through.

// +1, -1 or 0 for a keydown: `key`, the modifiers, and the focused element's tag, role and editability.
export function lessonStep(event, target) {
  const by = STEPS[event.key] || 0;
  if (!by || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) return 0;
  if (target) {
    const tag = String(target.tagName || "").toUpperCase();
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) return 0;
    const role = target.getAttribute ? target.getAttribute("role") : target.role;
    if (OWN_KEYS.has(String(role || "").toLowerCase())) return 0;
  }
  return by;
}

// `data`: {at, steps} (the step shown, from 0, and how many there are); `host.onStep(by)` asks for
// the step `by` away. Steps past either end are not asked for.
export function mountLessonKeys(el, data, host) {
  const doc = el.ownerDocument;
  let current = data;
  function onKey(event) {
    const target = event.target && event.target.closest ? event.target.closest("[role], input, textarea, select") || event.target : event.target;
    const by = lessonStep(event, target);
    if (!by) return;
    const next = current.at + by;
    if (next < 0 || next >= current.steps) return;
    event.preventDefault();  // PageDown would also scroll the page
    host.onStep(by);
  }
  doc.addEventListener("keydown", onKey);
  if (el.dataset) el.dataset.lessonKeys = "on";  // for whoever reads the page (tests): the keys are listened to
  return {
    update(next) { current = next; },
    destroy() {
      doc.removeEventListener("keydown", onKey);
      if (el.dataset) delete el.dataset.lessonKeys;
    },
  };
}
