// Scoring on the buyer's RFO detail: the weights editor (a profile picker from GET /v1/scoring, a slider and
// a number per component of the RFO's scoring version, saved with PUT /v1/rfos/{id}/weights) and the explain
// view of one offer (a bar chart of its contributions and penalties, the sum that gives its score, its
// tie-break key, the flags on its vendor and the version's formula).

import {api} from "./api.js";
import {h, mount, svg} from "./dom.js";
import {fromMicros, micros, when} from "./format.js";
import {busy, clearProblems, FieldProblem, formAlert, problemText, section, showProblem} from "./ui.js";

const EDITABLE = ["OPEN", "CLOSED"]; // PUT /weights is allowed only then

let catalogPromise = null;

/** The published scoring catalog (versions, components, profiles), fetched once per page. */
export function scoringCatalog() {
  if (!catalogPromise) {
    catalogPromise = api.scoringCatalog().catch((err) => {
      catalogPromise = null;
      throw err;
    });
  }
  return catalogPromise;
}

/**
 * The weights editor: {element, update(rfo)}. `onSaved(rfo)` runs after a successful PUT with the updated
 * RFO (the caller re-ranks at once). `update(rfo)` follows the RFO's new state (status; weights unless the
 * buyer is mid-edit).
 */
export function weightsEditor(rfo, ctx, {onSaved} = {}) {
  const body = h("div", {}, h("p", {className: "muted"}, "Loading scoring profiles…"));
  const element = section("Scoring weights", "weights-editor", body);
  let form = null;
  let inputs = {}; // component -> {range, number, share}
  let dirty = false;
  let catalog = null;

  const components = () => {
    const version = catalog?.versions.find((v) => v.version === rfo.scoring_version);
    return version ? version.components : Object.keys(rfo.weights || {});
  };
  const profileWeights = (name) => catalog?.profiles.find((p) => p.name === name)?.weights?.[rfo.scoring_version];

  function render() {
    const names = components();
    inputs = {};
    const profiles = catalog?.profiles || [];
    const select = h("select", {id: "weights-profile", name: "profile", "data-testid": "profile-picker",
      "aria-describedby": "weights-profile-hint", onchange: () => pickProfile(select.value)},
      h("option", {value: ""}, "Custom"),
      profiles.map((p) => h("option", {value: p.name, disabled: !p.weights?.[rfo.scoring_version]}, p.name)));
    const hint = h("p", {className: "hint", id: "weights-profile-hint", "data-testid": "profile-description"});
    form = h("form", {"data-testid": "weights-form", novalidate: true},
      formAlert(),
      h("p", {className: "muted"}, `Scoring version `, h("code", {}, rfo.scoring_version),
        `: weights are normalised to sum 1 when saved; the ranking follows at once.`),
      h("div", {className: "field"}, h("label", {for: "weights-profile"}, "Profile"), select, hint),
      h("div", {className: "weights"}, names.map((name) => weightRow(name))),
      // After the rows' own slots, so `weights.price` lands next to price and the rest here.
      h("p", {className: "field-error", id: "weights-profile-error", "data-testid": "error-profile",
        "data-error-for": "profile scoring_version weights", hidden: true}),
      h("div", {className: "buttons"},
        h("button", {type: "submit", "data-testid": "save-weights"}, "Apply weights"),
        h("button", {type: "button", className: "secondary", "data-testid": "reset-weights", onclick: () => {
          clearProblems(form);
          setValues(rfo.weights);
          dirty = false;
        }}, "Reset")),
      h("p", {className: "muted", "data-testid": "weights-locked", hidden: true}));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy(form, save);
    });
    mount(body, form);
    setValues(rfo.weights);
    lock();
  }

  function weightRow(name) {
    const id = `weight-${name}`;
    const range = h("input", {type: "range", min: 0, max: 1, step: 0.01, "data-testid": `weight-range-${name}`,
      "aria-label": `${name} weight (slider)`, oninput: () => {
        number.value = range.value;
        changed();
      }});
    const number = h("input", {type: "number", id, name: `weights.${name}`, min: 0, max: 1000, step: 0.01,
      inputmode: "decimal", "data-testid": `weight-${name}`, "aria-describedby": `${id}-error`, oninput: () => {
        if (number.value !== "") range.value = number.value;
        changed();
      }});
    const share = h("output", {className: "share", for: id, "data-testid": `share-${name}`});
    inputs[name] = {range, number, share};
    return h("div", {className: "weight-row"},
      h("label", {for: id}, name), range, number, share,
      h("p", {className: "field-error", id: `${id}-error`, "data-testid": `error-weights.${name}`,
        "data-error-for": `weights.${name}`, hidden: true}));
  }

  function setValues(weights) {
    for (const [name, {range, number}] of Object.entries(inputs)) {
      const value = Number(weights?.[name] ?? 0);
      number.value = String(Number(value.toFixed(6)));
      range.value = String(value);
    }
    form.elements.profile.value = matchingProfile() || "";
    shares();
  }

  function matchingProfile() {
    for (const p of catalog?.profiles || []) {
      const w = p.weights?.[rfo.scoring_version];
      if (w && Object.keys(inputs).every((c) => Math.abs(Number(w[c] ?? 0) - Number(inputs[c].number.value)) < 1e-9)) {
        return p.name;
      }
    }
    return null;
  }

  function pickProfile(name) {
    dirty = true;
    const weights = profileWeights(name);
    if (weights) {
      setValues(weights);
      form.elements.profile.value = name;
    }
    shares();
  }

  function changed() {
    dirty = true;
    form.elements.profile.value = matchingProfile() || "";
    shares();
  }

  /** Each component's share of the total, as the server will normalise it. */
  function shares() {
    const values = Object.fromEntries(Object.entries(inputs).map(([c, i]) => [c, Math.max(0, Number(i.number.value) || 0)]));
    const total = Object.values(values).reduce((a, b) => a + b, 0);
    for (const [c, {share}] of Object.entries(inputs)) {
      share.textContent = total > 0 ? `${Math.round((values[c] / total) * 100)} %` : "—";
    }
    const profile = catalog?.profiles.find((p) => p.name === form.elements.profile.value);
    form.querySelector("[data-testid=profile-description]").textContent =
      profile ? profile.description : "Your own weights.";
  }

  async function save() {
    try {
      const profile = form.elements.profile.value;
      let payload;
      if (profile) {
        payload = {profile};
      } else {
        const weights = {};
        for (const [c, {number}] of Object.entries(inputs)) {
          const text = number.value.trim();
          weights[c] = text === "" ? 0 : Number(text);
          if (!Number.isFinite(weights[c])) throw new FieldProblem(`weights.${c}`, "Enter a number");
        }
        payload = {weights};
      }
      const updated = await api.putWeights(rfo.id, payload);
      clearProblems(form);
      rfo = updated;
      dirty = false;
      setValues(updated.weights);
      ctx.notify(profile ? `Profile “${profile}” applied: ranking updated.` : "Weights saved: ranking updated.", "success");
      await onSaved?.(updated);
    } catch (err) {
      if (!ctx.handleAuthError(err)) showProblem(form, err);
    }
  }

  function lock() {
    const locked = !EDITABLE.includes(rfo.status);
    for (const el of form.querySelectorAll("input, select, button")) el.disabled = locked;
    const note = form.querySelector("[data-testid=weights-locked]");
    note.hidden = !locked;
    note.textContent = locked ? `Weights can change only while the RFO is OPEN or CLOSED (it is ${rfo.status}).` : "";
  }

  scoringCatalog().then((c) => {
    catalog = c;
    render();
  }).catch((err) => {
    if (ctx.handleAuthError(err)) return;
    catalog = null; // still editable: the RFO's own weights name its components
    render();
    form.querySelector("[data-testid=form-error]").hidden = false;
    form.querySelector("[data-testid=form-error]").append(h("p", {}, `Profiles unavailable: ${problemText(err)}`));
  });

  return {
    element,
    update(latest) {
      rfo = latest;
      if (!form) return;
      if (!dirty) setValues(rfo.weights);
      lock();
    },
  };
}

/**
 * The explain view: {element, show(row), reload(rfo)}. `show` opens one offer's explanation (fetching
 * GET /ranking/explain once; `reload` refetches and re-renders the offer on show).
 */
export function explainPanel(rfo, ctx) {
  const body = h("div", {"aria-live": "polite"},
    h("p", {className: "muted", "data-testid": "explain-empty"}, "Pick “Explain” on a ranked offer to see why it ranks where it does."));
  const alert = formAlert();
  const element = section("Score explained", "explain", alert, body);
  let data = null;
  let current = null; // offer id on show
  let generation = 0;

  async function fetchExplain() {
    if (!data) data = await api.explain(rfo.id);
    return data;
  }

  let vendorName = null; // from the ranking row shown (the explain names vendors by id only)

  async function show(offerId) {
    current = offerId;
    const mine = ++generation;
    alert.hidden = true;
    try {
      const explain = await fetchExplain();
      if (mine !== generation) return;
      const entry = explain.data.find((d) => d.offer_id === offerId);
      if (!entry) {
        mount(body, h("p", {className: "muted"}, `Offer ${offerId} is no longer ranked.`));
        return;
      }
      mount(body, explainView(explain, entry, vendorName));
      for (const row of document.querySelectorAll("[data-testid=ranking-row]")) {
        row.classList.toggle("selected", row.dataset.id === offerId);
      }
    } catch (err) {
      if (mine !== generation || ctx.handleAuthError(err)) return;
      mount(alert, h("p", {}, problemText(err)));
      alert.hidden = false;
    }
  }

  return {
    element,
    show: (row) => {
      vendorName = row.vendor_name || null;
      show(row.offer_id);
      element.scrollIntoView({block: "nearest"});
    },
    reload: async (latest) => {
      if (latest) rfo = latest;
      data = null;
      if (current) await show(current);
    },
  };
}

function explainView(explain, entry, vendorName) {
  const components = explain.components.map((c) => ({
    name: c, value: micros(entry.contributions?.[c]), weight: micros(entry.weights?.[c] ?? explain.weights?.[c]),
    normalised: entry.components?.[c],
  }));
  const penalties = Object.keys(entry.penalties || {}).map((p) => ({name: p, value: micros(entry.penalties[p])}));
  const plus = components.reduce((a, c) => a + c.value, 0);
  const minus = penalties.reduce((a, p) => a + p.value, 0);
  const score = micros(entry.score);
  const adds = plus - minus === score;
  const flags = (explain.flags || []).filter((f) => f.vendor_id === entry.vendor_id);

  return h("div", {className: "explain", "data-testid": "explain-view", "data-offer-id": entry.offer_id},
    h("p", {className: "explain-head"},
      h("strong", {}, `#${entry.rank}`), " ", h("code", {"data-testid": "explain-offer-id"}, entry.offer_id),
      h("span", {className: "muted"}, " from "), vendorName ? `${vendorName} ` : null,
      h("code", {"data-testid": "explain-vendor-id"}, entry.vendor_id),
      h("span", {className: "muted"}, ` · ${explain.scoring_version}${explain.relative ? " (relative)" : ""}`)),
    entry.awardable === false
      ? h("p", {className: "alert", "data-testid": "explain-not-awardable"},
        `Not awardable (${entry.not_awardable_reason}): ${entry.not_awardable_detail}. Ranked after every awardable offer.`)
      : null,
    barChart(components, penalties, score),
    h("p", {className: "legend"},
      h("span", {}, h("span", {className: "swatch swatch-contribution"}), "contribution = component × weight"),
      h("span", {}, h("span", {className: "swatch swatch-track"}), "its weight (the most it can add)"),
      h("span", {}, h("span", {className: "swatch swatch-penalty"}), "penalty")),
    h("p", {className: "sum", "data-testid": "explain-sum"},
      `Σ contributions ${fromMicros(plus)} − Σ penalties ${fromMicros(minus)} = score `,
      h("strong", {"data-testid": "explain-score"}, entry.score), " ",
      h("span", {className: adds ? "ok" : "bad", "data-testid": "explain-check"},
        adds ? "✓ adds up exactly" : "✗ does not add up")),
    tieBreak(explain, entry),
    h("div", {className: "explain-flags", "data-testid": "explain-flags"},
      h("strong", {}, "Flags on this vendor"),
      flags.length
        ? h("ul", {}, flags.map((f) => h("li", {"data-testid": "explain-flag"},
            h("span", {className: "badge badge-flag"}, f.code), " ", f.reason, " ",
            h("span", {className: "muted"}, when(f.created_at)))))
        : h("p", {className: "muted"}, "None on this RFO.")),
    h("details", {className: "inputs"}, h("summary", {}, "Raw inputs and anchors"),
      h("pre", {"data-testid": "explain-inputs"}, JSON.stringify({inputs: entry.inputs, anchors: entry.anchors}, null, 2))),
    h("details", {className: "formula"}, h("summary", {}, `Formula of ${explain.scoring_version}`),
      h("pre", {"data-testid": "explain-formula"}, explain.formula)));
}

/** Horizontal bars in inline SVG (no library, no inline style): one row per component (its contribution over
 * a track as long as its weight), one per penalty, and the resulting score. Values are millionths. */
function barChart(components, penalties, score) {
  const W = 640, labelW = 130, valueW = 96, rowH = 26, barH = 16;
  const barW = W - labelW - valueW;
  const rows = components.length + penalties.length + 1;
  const H = rows * rowH + 12;
  const max = Math.max(1, ...components.map((c) => Math.max(c.weight, c.value)), ...penalties.map((p) => p.value),
    Math.abs(score));
  const width = (v) => (v > 0 ? Math.max(1.5, (v / max) * barW) : 0);
  const children = [];
  let y = 4;
  const label = (text, cls = "") => svg("text", {x: labelW - 8, y: y + barH - 3, "text-anchor": "end", className: `label ${cls}`}, text);
  const value = (v, x, cls = "") => svg("text", {x: labelW + x + 6, y: y + barH - 3, className: `value ${cls}`}, v);

  for (const c of components) {
    children.push(svg("g", {className: "row"},
      label(c.name),
      svg("rect", {x: labelW, y, width: width(c.weight), height: barH, rx: 3, className: "track"}),
      svg("rect", {x: labelW, y, width: width(c.value), height: barH, rx: 3, className: "bar contribution",
        "data-testid": "contribution-bar", "data-component": c.name, "data-value": fromMicros(c.value)},
      svg("title", {}, `${c.name}: component ${c.normalised} × weight ${fromMicros(c.weight)} = ${fromMicros(c.value)}`)),
      value(`+${fromMicros(c.value)}`, Math.max(width(c.weight), width(c.value)))));
    y += rowH;
  }
  children.push(svg("line", {x1: labelW, x2: labelW + barW, y1: y - 4, y2: y - 4, className: "rule"}));
  for (const p of penalties) {
    const cls = p.value ? "" : "zero";
    children.push(svg("g", {className: `row ${cls}`},
      label(`${p.name} penalty`, cls),
      svg("rect", {x: labelW, y, width: width(p.value), height: barH, rx: 3, className: "bar penalty",
        "data-testid": "penalty-bar", "data-penalty": p.name, "data-value": fromMicros(p.value)},
      svg("title", {}, `${p.name} penalty: −${fromMicros(p.value)}`)),
      value(p.value ? `−${fromMicros(p.value)}` : fromMicros(0), width(p.value), cls)));
    y += rowH;
  }
  children.push(svg("line", {x1: labelW, x2: labelW + barW, y1: y - 4, y2: y - 4, className: "rule"}));
  children.push(svg("g", {className: "row total"},
    label("score", "strong"),
    svg("rect", {x: labelW, y, width: width(Math.abs(score)), height: barH, rx: 3,
      className: score < 0 ? "bar score negative" : "bar score", "data-testid": "score-bar", "data-value": fromMicros(score)}),
    value(`= ${fromMicros(score)}`, width(Math.abs(score)), "strong")));

  return svg("svg", {viewBox: `0 0 ${W} ${H}`, className: "chart", role: "img", "data-testid": "explain-chart",
    "aria-label": `Contributions ${components.map((c) => `${c.name} ${fromMicros(c.value)}`).join(", ")}; ` +
      `penalties ${penalties.map((p) => `${p.name} ${fromMicros(p.value)}`).join(", ")}; score ${fromMicros(score)}`},
  children);
}

function tieBreak(explain, entry) {
  const key = entry.tie_break_key || [];
  return h("details", {className: "tie-break"},
    h("summary", {}, "Tie-break key"),
    h("ol", {"data-testid": "explain-tie-break"}, key.map((part, i) => h("li", {},
      h("span", {className: "muted"}, explain.order?.[i] || `key ${i + 1}`), " ", h("code", {}, String(part))))));
}
