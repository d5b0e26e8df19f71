// Ops (admin key): suspicious-activity flags by day or vendor (GET /v1/admin/flags), a vendor's cooldown set
// or lifted (POST / DELETE /v1/admin/vendors/{id}/cooldown), and the audit log searched by target, actor or
// day (GET /v1/admin/audit).

import {api} from "./api.js";
import {h, mount, table} from "./dom.js";
import {localInputToUtc, toLocalInput, utcDay, when} from "./format.js";
import {alertProblem, busy, clearProblems, field, FieldProblem, formAlert, section, showProblem} from "./ui.js";

/** Flags and cooldowns. */
export function opsView(ctx) {
  const cooldown = cooldownPanel(ctx);
  const flags = flagsPanel(ctx, {onCooldown: (vendorId) => cooldown.pick(vendorId)});
  return h("div", {className: "view stack ops", "data-testid": "ops-view"}, flags,
    h("div", {className: "columns"}, cooldown.element, guide()));
}

function flagsPanel(ctx, {onCooldown}) {
  const body = h("div", {"aria-live": "polite"});
  const form = h("form", {className: "toolbar", role: "search", "aria-label": "Filter flags", "data-testid": "flags-filter"},
    h("label", {className: "inline"}, "Day (UTC) ",
      h("input", {type: "date", name: "day", value: utcDay(), "data-testid": "flags-day"})),
    h("label", {className: "inline"}, "or vendor ",
      h("input", {type: "search", name: "vendor_id", size: 18, placeholder: "ven_…", autocomplete: "off",
        "data-testid": "flags-vendor"})),
    h("button", {type: "submit", className: "secondary", "data-testid": "refresh-flags"}, "Show"));
  const alert = formAlert();
  let generation = 0;

  async function reload(cursor, rows = []) {
    const mine = cursor ? generation : ++generation;
    alert.hidden = true;
    const vendorId = form.elements.vendor_id.value.trim();
    const query = vendorId ? {vendor_id: vendorId} : {day: form.elements.day.value || utcDay()};
    try {
      const page = await api.flags({...query, limit: 50, cursor});
      if (mine !== generation) return;
      const all = rows.concat(page.data);
      const more = page.next_cursor
        ? h("button", {type: "button", className: "secondary", "data-testid": "more-flags",
          onclick: () => reload(page.next_cursor, all)}, "Load more")
        : null;
      mount(body, all.length ? flagsTable(all) : h("p", {className: "muted", "data-testid": "empty"},
        vendorId ? `No flags on ${vendorId}.` : "No flags on this day."), more);
    } catch (err) {
      if (mine !== generation || ctx.handleAuthError(err)) return;
      mount(body);
      alertProblem(alert, err);
    }
  }

  function flagsTable(rows) {
    return table(
      [
        {label: "Flag", key: "code", cell: (f) => h("div", {className: "flag-head"},
          h("span", {className: "badge badge-flag", "data-testid": "flag-code"}, f.code), when(f.created_at))},
        {label: "Vendor", key: "vendor_id", cell: (f) => h("div", {className: "actions"},
          h("code", {"data-testid": "flag-vendor"}, f.vendor_id),
          h("button", {type: "button", className: "secondary small", "data-testid": "flag-cooldown",
            onclick: () => onCooldown(f.vendor_id)}, "Cooldown…"))},
        {label: "RFO", key: "rfo_id", cell: (f) => f.rfo_id ? h("code", {"data-testid": "flag-rfo"}, f.rfo_id) : "—"},
        {label: "Reason", key: "reason", cell: (f) => h("div", {},
          h("p", {className: "reason", "data-testid": "flag-reason"}, f.reason),
          h("details", {}, h("summary", {}, "Evidence"),
            h("pre", {"data-testid": "flag-evidence"}, JSON.stringify(f.evidence, null, 2))))},
      ],
      rows,
      {testid: "flags-table", rowTestid: () => "flag-row", rowId: (f) => f.id},
    );
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    reload();
  });
  reload();
  return section("Suspicious flags", "flags", form, alert, body);
}

/** What the flag codes mean (they never change a score: they are for people to look at). */
function guide() {
  const codes = [
    ["near_identical_offers", "offers from different vendors on one RFO with the same price, quantity and delivery"],
    ["price_outlier", "a price far from the RFO's other offers (modified z-score)"],
    ["revision_burst", "many revisions of one vendor's offers on one RFO in a short window"],
    ["repeated_rejections", "many refused submissions in a short window"],
    ["last_second_submission", "a submission in the last moments before the bidding deadline"],
  ];
  return section("About flags", "flags-guide",
    h("p", {className: "muted"}, "Flags never change a score or a ranking: they point ops (and the buyer's explain " +
      "view) at vendors worth a look. A cooldown makes the vendor's submissions fail with 429 vendor_cooldown " +
      "until it ends or is lifted."),
    h("dl", {className: "facts"}, codes.map(([code, text]) => [h("dt", {}, h("code", {}, code)), h("dd", {}, text)])));
}

function cooldownPanel(ctx) {
  const state = h("div", {"aria-live": "polite", "data-testid": "cooldown-state"},
    h("p", {className: "muted"}, "Pick a vendor (e.g. “Cooldown…” on a flag). The API answers with the vendor's " +
      "cooldown when one is set or lifted."));
  const form = h("form", {"data-testid": "cooldown-form", novalidate: true},
    formAlert(),
    field({label: "Vendor", name: "vendor_id", hint: "ven_…", attrs: {required: true, autocomplete: "off", spellcheck: "false"}}),
    field({label: "Until", name: "until", type: "datetime-local", hint: "Your local time; at most 30 days ahead",
      attrs: {required: true, value: toLocalInput(new Date(Date.now() + 3_600_000))}}),
    field({label: "Reason", name: "reason", type: "textarea", hint: "Shown to ops and kept in the audit log",
      attrs: {required: true, rows: 2, maxlength: 500}}),
    h("div", {className: "buttons"},
      h("button", {type: "submit", "data-testid": "set-cooldown"}, "Set cooldown"),
      h("button", {type: "button", className: "danger", "data-testid": "lift-cooldown", onclick: () => lift()},
        "Lift cooldown")));

  const vendorId = () => {
    const id = form.elements.vendor_id.value.trim();
    if (!id) throw new FieldProblem("vendor_id", "Enter the vendor's id");
    return id;
  };

  function show(cooldown) {
    const active = cooldown.cooldown_until && Date.parse(cooldown.cooldown_until) > Date.now();
    mount(state, h("dl", {className: "facts"},
      h("dt", {}, "Vendor"), h("dd", {}, h("code", {"data-testid": "cooldown-vendor"}, cooldown.vendor_id)),
      h("dt", {}, "Cooldown"), h("dd", {"data-testid": "cooldown-until"},
        active ? ["until ", when(cooldown.cooldown_until)] : "none: the vendor may submit"),
      h("dt", {}, "Reason"), h("dd", {"data-testid": "cooldown-reason"}, cooldown.reason || "—"),
      h("dt", {}, "Strikes"), h("dd", {"data-testid": "cooldown-strikes"}, String(cooldown.strikes))));
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(form, async () => {
      try {
        const id = vendorId();
        const body = {reason: form.elements.reason.value.trim()};
        try {
          const until = localInputToUtc(form.elements.until.value);
          if (until) body.until = until;
        } catch (e) {
          throw new FieldProblem("until", e.message);
        }
        const cooldown = await api.setCooldown(id, body);
        clearProblems(form);
        show(cooldown);
        ctx.notify(`${id} cools down until ${new Date(cooldown.cooldown_until).toLocaleString()}.`, "success");
      } catch (err) {
        if (!ctx.handleAuthError(err)) showProblem(form, err);
      }
    });
  });

  async function lift() {
    const button = form.querySelector("[data-testid=lift-cooldown]");
    button.disabled = true;
    try {
      const id = vendorId();
      const cooldown = await api.liftCooldown(id);
      clearProblems(form);
      show(cooldown);
      ctx.notify(`${id}'s cooldown lifted.`, "success");
    } catch (err) {
      if (!ctx.handleAuthError(err)) showProblem(form, err);
    } finally {
      button.disabled = false;
    }
  }

  return {
    element: section("Vendor cooldown", "cooldown", form, state),
    pick(id) {
      form.elements.vendor_id.value = id;
      form.elements.reason.focus();
    },
  };
}

/** The audit log, searched by target, actor or day. */
export function auditView(ctx) {
  const body = h("div", {"aria-live": "polite"});
  const alert = formAlert();
  const form = h("form", {className: "toolbar", role: "search", "aria-label": "Search the audit log",
    "data-testid": "audit-search"},
    h("label", {className: "inline"}, "Target ",
      h("input", {type: "search", name: "target", size: 20, placeholder: "rfo_…, off_…, ven_…", autocomplete: "off",
        "data-testid": "audit-target"})),
    h("label", {className: "inline"}, "Actor ",
      h("input", {type: "search", name: "actor", size: 20, placeholder: "buy_…, ven_…, adm_…, system", autocomplete: "off",
        "data-testid": "audit-actor"})),
    h("label", {className: "inline"}, "Day (UTC) ",
      h("input", {type: "date", name: "day", value: utcDay(), "data-testid": "audit-day"})),
    h("button", {type: "submit", className: "secondary", "data-testid": "search-audit"}, "Search"));
  let generation = 0;

  async function reload(cursor, rows = []) {
    const mine = cursor ? generation : ++generation;
    alert.hidden = true;
    const query = {};
    for (const name of ["target", "actor", "day"]) {
      const value = form.elements[name].value.trim();
      if (value) query[name] = value;
    }
    try {
      const page = await api.audit({...query, limit: 50, cursor});
      if (mine !== generation) return;
      const all = rows.concat(page.data);
      const more = page.next_cursor
        ? h("button", {type: "button", className: "secondary", "data-testid": "more-audit",
          onclick: () => reload(page.next_cursor, all)}, "Load more")
        : null;
      mount(body, all.length ? auditTable(all) : h("p", {className: "muted", "data-testid": "empty"}, "No entries."), more);
    } catch (err) {
      if (mine !== generation || ctx.handleAuthError(err)) return;
      mount(body);
      alertProblem(alert, err);
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    reload();
  });
  reload();
  return h("div", {className: "view", "data-testid": "audit-view"},
    section("Audit log", "audit", h("p", {className: "hint"},
      "Append-only. A target or actor searches across days; otherwise one UTC day."), form, alert, body));
}

function auditTable(rows) {
  return table(
    [
      {label: "When", key: "at", cell: (e) => when(e.at)},
      {label: "Action", key: "action", cell: (e) => h("strong", {"data-testid": "audit-action"}, e.action)},
      {label: "Actor", key: "actor", cell: (e) => h("code", {"data-testid": "audit-actor-id",
        title: e.actor?.key_id ? `key ${e.actor.key_id}` : null}, e.actor?.kind === "system" ? "system" : e.actor?.id)},
      {label: "Target", key: "target", cell: (e) => h("span", {},
        h("span", {className: "muted"}, `${e.target_type} `), h("code", {"data-testid": "audit-target-id"}, e.target_id))},
      {label: "Status", key: "status", cell: (e) => e.from_status || e.to_status
        ? `${e.from_status || "∅"} → ${e.to_status || "∅"}` : ""},
      {label: "Reason", key: "reason", cell: (e) => e.reason ? h("span", {"data-testid": "audit-reason"}, e.reason) : ""},
      {label: "Details", key: "payload", cell: (e) => h("details", {}, h("summary", {}, "payload"),
        h("pre", {}, JSON.stringify(e.payload, null, 2)),
        h("p", {className: "muted"}, `request ${e.request_id || "—"} · ${e.source_ip || "—"} · ${e.environment}`))},
    ],
    rows,
    {testid: "audit-table", rowTestid: () => "audit-row", rowId: (e) => e.id},
  );
}
