// Which keys step a lesson (components/lesson_keys.js), without a browser.
import test from "node:test";
import assert from "node:assert/strict";
import { lessonStep, mountLessonKeys } from "../../components/lesson_keys.js";

const key = (name, extra = {}) => ({ key: name, altKey: false, ctrlKey: false, metaKey: false, shiftKey: false,
                                     defaultPrevented: false, ...extra });
const element = (tagName, role = null, editable = false) => ({ tagName, isContentEditable: editable,
                                                               getAttribute: (name) => (name === "role" ? role : null) });

test("a presenter remote's keys and the arrows step forward and back", () => {
  assert.equal(lessonStep(key("PageDown"), element("BODY")), 1);
  assert.equal(lessonStep(key("ArrowRight"), element("BUTTON")), 1);
  assert.equal(lessonStep(key("PageUp"), null), -1);
  assert.equal(lessonStep(key("ArrowLeft"), element("DIV")), -1);
  for (const other of ["ArrowUp", "ArrowDown", "Enter", " ", "b", "Escape", "F5"]) {
    assert.equal(lessonStep(key(other), element("BODY")), 0, other);
  }
});

test("keys meant for a field, a slider, a radio group or with a modifier do not step", () => {
  for (const tag of ["INPUT", "TEXTAREA", "SELECT"]) assert.equal(lessonStep(key("ArrowRight"), element(tag)), 0, tag);
  assert.equal(lessonStep(key("ArrowLeft"), element("DIV", null, true)), 0);
  for (const role of ["slider", "radio", "radiogroup", "combobox", "listbox", "tab", "spinbutton"]) {
    assert.equal(lessonStep(key("PageDown"), element("DIV", role)), 0, role);
  }
  for (const modifier of ["altKey", "ctrlKey", "metaKey", "shiftKey"]) {
    assert.equal(lessonStep(key("PageDown", { [modifier]: true }), element("BODY")), 0, modifier);
  }
  assert.equal(lessonStep(key("ArrowRight", { defaultPrevented: true }), element("BODY")), 0);
});

test("the latent plot (role application) lets PageDown and PageUp step", () => {
  assert.equal(lessonStep(key("PageDown"), element("DIV", "application")), 1);
});

test("an instance listens while mounted, not past either end, and stops at destroy", () => {
  const listeners = new Set();
  const doc = { addEventListener: (t, f) => listeners.add(f), removeEventListener: (t, f) => listeners.delete(f) };
  const asked = [];
  const keys = mountLessonKeys({ ownerDocument: doc }, { at: 0, steps: 3 }, { onStep: (by) => asked.push(by) });
  const press = (name) => {
    const event = { ...key(name), target: element("BODY"), preventDefault() { this.prevented = true; } };
    for (const f of listeners) f(event);
    return event;
  };
  assert.equal(press("PageUp").prevented, undefined);  // before the first step: nothing asked, the page scrolls
  assert.equal(press("PageDown").prevented, true);
  keys.update({ at: 2, steps: 3 });
  press("PageDown");  // past the last
  press("ArrowLeft");
  assert.deepEqual(asked, [1, -1]);
  keys.destroy();
  assert.equal(listeners.size, 0);
});
