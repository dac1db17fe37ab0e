// What the live preview beside a plot shows, as pure state and words (no DOM): unit-tested with
// `node --test`. The scatter instance owns one `PreviewState` and paints what it says.
import { nearestOnSegment } from "./geometry.js";
import { lib } from "./live_model.js";

export const IDLE_HOVER = "Move the mouse over the plot to decode live; click to fix a point.";
export const IDLE_CLICK = "Click or tap the plot to decode a point.";

export function idleText(hoverAllowed) {
  return hoverAllowed ? IDLE_HOVER : IDLE_CLICK;
}

// The line under the preview for a round trip {drift, level}, or "" without one.
export function driftLine(trip) {
  if (!trip) return "";
  return `round-trip drift ${trip.drift.toFixed(2)}: ${lib.DRIFT_LEVEL_WORDS[trip.level]} (arrow: where its image is sent back)`;
}

export function pointLine(z) {
  return `z = (${z[0].toFixed(3)}, ${z[1].toFixed(3)})`;
}

// Where the pointer's position decodes: the point under it, or for a drawn path (interpolation) the
// nearest point of the straight line between its ends. `scale` = [pixels per unit on x, on y].
export function hoverTarget(path, z, scale) {
  if (!path || path.length < 2) return { z, label: "Under the cursor" };
  const hit = nearestOnSegment(path[0], path[path.length - 1], z, scale[0], scale[1]);
  return { z: hit.z, label: `On the line at t = ${hit.t.toFixed(2)}`, t: hit.t };
}

// The preview's state: the fixed point (a click, a link's point) shown when the pointer is elsewhere,
// the latest pointer position waiting for the next animation frame (only the latest counts), and
// which linked hover (from the other plot of a group) is the current one.
export class PreviewState {
  constructor() {
    this.fixed = null;  // {result, title, local, model}
    this.pending = null;
    this.hovering = false;
    this.linked = 0;  // the current linked hover's number; 0: none
  }

  // A pointer position; true when a frame must be asked for (none is waiting yet).
  move(z) {
    const ask = this.pending === null;
    this.hovering = true;
    this.pending = z;
    return ask;
  }

  // The position to decode in this frame (and forget), or null.
  take() {
    const z = this.pending;
    this.pending = null;
    return this.hovering ? z : null;
  }

  // The pointer left; true when it was hovering (the fixed point must be shown again).
  leave() {
    const was = this.hovering;
    this.hovering = false;
    this.pending = null;
    return was;
  }

  fix(result, title, model, local = false) {
    this.fixed = { result, title, local, model };
    this.hovering = false;
  }

  // A linked hover starts; returns its number (a later one makes it stale).
  startLinked() {
    this.linked += 1;
    return this.linked;
  }

  endLinked() {
    this.linked = 0;
  }

  isCurrentLinked(n) {
    return n !== 0 && n === this.linked;
  }

  // What to do with the fixed point when the server's (or the link's) marker is `marker` and the page
  // runs `model`: "fix" it anew, "clear" it, or "keep" it.
  reconcile(marker, model) {
    const shown = this.fixed && this.fixed.result.z;
    const stale = !!this.fixed && this.fixed.model !== model;  // decoded by another model
    if (marker && (stale || !(shown && shown[0] === marker[0] && shown[1] === marker[1]))) return "fix";
    if (!marker && this.fixed && (stale || !this.fixed.local)) return "clear";
    return "keep";
  }
}

// The preview in words, for a screen reader: the image's text alternative, and what the live region
// announces after a keyboard move or a click.
export function spokenText(result, title) {
  const place = result.place, parts = [`${title}: decoding of ${pointLine(result.z).slice(4)}`];
  if (place) parts.push(`gap measure ${place.gap.toFixed(1)} times the usual spacing. ${place.sentence}`);
  const drift = driftLine(result.roundTrip);
  if (drift) parts.push(drift.replace(/ \(arrow: .*\)$/, ""));
  return parts.join(". ").replace(/\.\./g, ".");
}

// What the plot shows, in words (its text summary for a screen reader): how many codes of each
// class, and how far they spread. `points`: the payload the plot draws (x, y, label, classes).
export function plotSummary(points) {
  const n = points.label.length;
  if (!n) return "Latent space plot, with no codes to show.";
  const counts = points.classes.map(() => 0);
  for (const c of points.label) counts[c] += 1;
  const range = (v) => {  // a loop: spreading 60,000 arguments into Math.min can overflow the stack
    let lo = Infinity, hi = -Infinity;
    for (const value of v) { lo = Math.min(lo, value); hi = Math.max(hi, value); }
    return `${lo.toFixed(1)} to ${hi.toFixed(1)}`;
  };
  const each = points.classes.map((name, c) => `${name}: ${counts[c].toLocaleString("en")}`).join(", ");
  return `Latent space plot of ${n.toLocaleString("en")} codes, each an image placed by the encoder, by ` +
    `${points.class_word} (${each}); z1 from ${range(points.x)} across, z2 from ${range(points.y)} up.`;
}

// How the plot is used by keyboard: its accessible name says it.
export const KEYS_HELP = "Arrow keys move a point and decode it (Shift: larger steps), " +
  "Enter fixes the point as a click does, Escape leaves.";
export const KEYBOARD_HELP = `Latent space plot. ${KEYS_HELP}`;  // its name until its codes are drawn
