// Buyer view: its RFOs (status filter), a "New RFO" form, and an RFO's detail (lifecycle.js): actions,
// history, weights, ranking and explain.

import {api} from "./api.js";
import {h, mount} from "./dom.js";
import {CURRENCIES, daysFromNow, localInputToUtc, toLocalInput, toMinor} from "./format.js";
import {rfoDetail} from "./lifecycle.js";
import {rfoList} from "./rfo.js";
import {busy, clearProblems, field, FieldProblem, formAlert, section, showProblem} from "./ui.js";

export function buyerView(ctx) {
  const detail = h("div", {className: "detail", "data-testid": "detail-area"});
  const list = rfoList({
    title: "Your RFOs", testid: "rfo-list", ctx, statusFilter: true,
    load: (q) => api.listRfos(q),
    onOpen: (rfo) => ctx.go("rfos", rfo.id),
    empty: "No RFOs yet. Post one with the form.",
  });

  let opened = 0; // only the latest opened RFO may render

  // The URL names the open RFO (#/rfos/<id>): linking, reloading and back/forward open or close it.
  ctx.onRoute = (route) => {
    if (route?.kind === "rfos") return openRfo(route.id);
    ++opened;
    mount(detail);
  };

  async function openRfo(id) {
    const mine = ++opened;
    mount(detail, h("p", {className: "muted"}, "Loading…"));
    try {
      const view = await rfoDetail(id, ctx, {
        manage: true,
        onChanged: () => list.reload(),
        onDismiss: () => ctx.leave(),
      });
      if (mine !== opened) return;
      mount(detail, view);
      detail.scrollIntoView({block: "start"});
    } catch (err) {
      if (mine === opened) {
        mount(detail);
        ctx.forget();
      }
      if (!ctx.handleAuthError(err)) ctx.notify(err);
    }
  }

  const form = newRfoForm(ctx, async (rfo) => {
    ctx.notify(`RFO “${rfo.title}” posted.`, "success");
    await list.reload();
    ctx.go("rfos", rfo.id);
  });

  return h("div", {className: "view", "data-testid": "buyer-view"},
    h("div", {className: "columns"}, list.element, section("New RFO", "new-rfo", form)),
    detail);
}

// RfoCreate.disclosure: what vendors see of the ranking.
const DISCLOSURES = [
  {value: "sealed", label: "Sealed — nothing of the ranking"},
  {value: "own_rank", label: "Own rank — each vendor its own place"},
];

/** Fill the profile select from GET /v1/scoring (public): each profile with its description; the category's
 * default profile applies when none is picked. */
async function loadProfiles(select) {
  const hint = select.parentElement.querySelector(".hint");
  try {
    const catalog = await api.scoringCatalog();
    select.append(...catalog.profiles.map((p) => h("option", {value: p.name}, p.name)));
    const describe = () => {
      const picked = catalog.profiles.find((p) => p.name === select.value);
      hint.textContent = picked ? picked.description
        : "The category's profile (e.g. office-supplies: cheapest); you can change the weights later";
    };
    select.addEventListener("change", describe);
    describe();
  } catch {
    hint.textContent = "Profiles could not be loaded: the category's profile applies.";
  }
}

function newRfoForm(ctx, onCreated) {
  const currencies = Object.keys(CURRENCIES);
  const form = h("form", {"data-testid": "new-rfo-form", novalidate: true},
    formAlert(),
    field({label: "Title", name: "title", attrs: {required: true, maxlength: 200, autocomplete: "off"}}),
    field({label: "Description (optional)", name: "description", type: "textarea", attrs: {rows: 2, maxlength: 5000}}),
    field({label: "Category", name: "category", hint: "Lower-case slug, e.g. office-supplies",
      attrs: {required: true, pattern: "[a-z0-9][a-z0-9_\\-]{0,63}", autocomplete: "off"}}),
    h("div", {className: "row"},
      field({label: "Quantity", name: "quantity", type: "number", attrs: {required: true, min: 1, step: 1}}),
      field({label: "Unit", name: "unit", attrs: {required: true, maxlength: 32, placeholder: "pcs"}})),
    h("div", {className: "row"},
      field({label: "Budget (max, total)", name: "budget_max", hint: "In major units, e.g. 1250.00",
        attrs: {required: true, inputmode: "decimal", autocomplete: "off"}}),
      field({label: "Currency", name: "currency", type: "select", options: currencies, attrs: {required: true}})),
    field({label: "Delivery region", name: "delivery_region", attrs: {required: true, maxlength: 64, placeholder: "EU-DE"}}),
    h("div", {className: "row"},
      field({label: "Bidding closes", name: "expires_at", type: "datetime-local", hint: "Your local time",
        attrs: {required: true, value: toLocalInput(daysFromNow(7))}}),
      field({label: "Needed by", name: "need_by", type: "datetime-local", hint: "Your local time",
        attrs: {required: true, value: toLocalInput(daysFromNow(14))}})),
    h("div", {className: "row"},
      field({label: "Vendors see", name: "disclosure", type: "select", options: DISCLOSURES,
        hint: "Sealed: only you see the ranking. Own rank: each vendor also sees its own place."}),
      field({label: "Weight profile", name: "profile", type: "select",
        options: [{value: "", label: "Category default"}], errorFor: ["weights", "scoring_version"],
        hint: "How offers are ranked; you can change the weights later"})),
    h("button", {type: "submit", "data-testid": "create-rfo"}, "Post RFO"));
  loadProfiles(form.elements.profile);

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(form, async () => {
      try {
        const rfo = await api.createRfo(readRfo(form));
        form.reset();
        form.elements.expires_at.value = toLocalInput(daysFromNow(7));
        form.elements.need_by.value = toLocalInput(daysFromNow(14));
        form.elements.profile.dispatchEvent(new Event("change")); // its description follows the reset
        clearProblems(form);
        await onCreated(rfo);
      } catch (err) {
        if (!ctx.handleAuthError(err)) showProblem(form, err);
      }
    });
  });
  return form;
}

/** The form's values as an RfoCreate body: amounts to minor units, local times to UTC. Blank optional
 * fields are left out; blank required fields are sent as given so the API names them. */
function readRfo(form) {
  const v = (name) => form.elements[name].value.trim();
  const currency = v("currency");
  const body = {
    title: v("title"), category: v("category"), unit: v("unit"), currency, delivery_region: v("delivery_region"),
  };
  if (v("description")) body.description = v("description");
  body.disclosure = v("disclosure");
  if (v("profile")) body.profile = v("profile");
  if (v("quantity")) body.quantity = Number(v("quantity"));
  if (v("budget_max")) {
    try {
      body.budget_max = toMinor(v("budget_max"), currency);
    } catch (e) {
      throw new FieldProblem("budget_max", e.message);
    }
  }
  for (const name of ["expires_at", "need_by"]) {
    try {
      const iso = localInputToUtc(v(name));
      if (iso) body[name] = iso;
    } catch (e) {
      throw new FieldProblem(name, e.message);
    }
  }
  return body;
}
