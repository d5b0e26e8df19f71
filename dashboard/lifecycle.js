// An RFO's detail for its buyer (and, read-only, for ops): status with its reason, the lifecycle actions the
// RFO's `allowed_actions` offer (close, award, reopen, delete; each with a reason), the history timeline from
// the audit log, the weights editor, the ranking and the explain view. After an action the detail, history
// and ranking are fetched again; at the deadline the detail refreshes itself (the RFO shows EXPIRED).

import {allPages, api} from "./api.js";
import {h, mount} from "./dom.js";
import {daysFromNow, localInputToUtc, money, toLocalInput, when} from "./format.js";
import {subscribe} from "./live.js";
import {ranking, rfoFacts} from "./rfo.js";
import {explainPanel, weightsEditor} from "./scoring.js";
import {
  busy, clearProblems, confirmButton, field, FieldProblem, formAlert, problemText, section, showProblem, statusBadge,
} from "./ui.js";

const ACTION_LABELS = {
  create: "Created", close: "Closed", award: "Awarded", reopen: "Reopened", expire: "Expired", delete: "Deleted",
  weights: "Weights changed", public_token_create: "Share link created", public_token_revoke: "Share link revoked",
};
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Load RFO `id` and build its detail. `manage`: the buyer's actions and weights editor (else read-only, as
 * ops see it). `onChanged(rfo)` runs after an action or refresh changed it; `onDismiss()` when it is closed
 * or deleted. Rejects with the API's problem when the RFO cannot be read.
 */
const LIVE_OFFER_EVENTS = ["offer.submitted", "offer.revised", "offer.withdrawn"];

export async function rfoDetail(id, ctx, {manage = false, onChanged, onDismiss} = {}) {
  let rfo = await api.getRfo(id);
  let offers = []; // the latest ranking's rows: what an award can pick from
  let timer = null;

  const facts = h("div", {});
  const refreshButton = h("button", {type: "button", className: "secondary", "data-testid": "refresh-detail",
    onclick: () => refresh()}, "Refresh");
  const alert = formAlert();
  const header = section(rfo.title, "rfo-detail", alert, facts,
    h("div", {className: "buttons"}, refreshButton,
      h("button", {type: "button", className: "secondary", "data-testid": "close-detail", onclick: () => dismiss()},
        "Close")));

  const history = historyPanel(rfo, ctx);
  const explain = explainPanel(rfo, ctx);
  const rank = ranking(rfo, ctx, {onExplain: (row) => explain.show(row), onLoaded: (r) => { offers = r.data; }});
  const actions = manage ? actionsPanel() : null;
  const weights = manage ? weightsEditor(rfo, ctx, {onSaved: (updated) => changed(updated, {notify: false})}) : null;
  const share = manage ? shareLinkPanel(rfo, ctx, {onChanged: () => history.reload()}) : null;
  // The buyer's detail follows its offers live: an offer event of this RFO on the realtime socket refreshes it.
  const unsubscribe = manage ? subscribe(onLiveEvent) : null;

  function onLiveEvent(event) {
    if (!header.isConnected) return unsubscribe?.(); // the detail was replaced or closed
    if (LIVE_OFFER_EVENTS.includes(event?.type) && event.data?.object?.rfo_id === rfo.id) refresh();
  }

  function renderFacts() {
    mount(facts, rfoFacts(rfo));
  }

  /** The RFO changed (an action's response, or a refresh): show it everywhere and refetch what depends on it. */
  async function changed(latest, {notify = true} = {}) {
    const before = rfo.status;
    rfo = latest;
    renderFacts();
    actions?.render(); // only if the allowed actions changed: a half-filled form or armed button survives
    weights?.update(rfo);
    schedule();
    await Promise.all([history.reload(), rank.reload(rfo), explain.reload(rfo)]);
    if (notify || before !== rfo.status) onChanged?.(rfo);
  }

  async function refresh() {
    alert.hidden = true;
    refreshButton.disabled = true;
    try {
      await changed(await api.getRfo(rfo.id), {notify: false});
    } catch (err) {
      if (ctx.handleAuthError(err)) return;
      mount(alert, h("p", {}, problemText(err)));
      alert.hidden = false;
    } finally {
      refreshButton.disabled = false;
    }
  }

  /** Refresh just after the bidding deadline, so an open RFO turns EXPIRED on screen. */
  function schedule() {
    clearTimeout(timer);
    if (!["OPEN", "CLOSED"].includes(rfo.status)) return;
    const ms = Date.parse(rfo.expires_at) - Date.now() + 1000;
    if (ms > 0 && ms < MAX_TIMER_MS) {
      timer = setTimeout(() => {
        if (header.isConnected) refresh();
      }, ms);
    }
  }

  function dismiss() {
    clearTimeout(timer);
    unsubscribe?.();
    onDismiss?.();
  }

  /** The lifecycle actions panel: a button per allowed action, each opening its small form. */
  function actionsPanel() {
    const buttons = h("div", {className: "buttons", "data-testid": "action-buttons"});
    const formSlot = h("div", {});
    const element = section("Actions", "rfo-actions", buttons, formSlot);

    let shown = null; // the allowed actions on screen

    function render() {
      const allowed = rfo.allowed_actions || [];
      if (shown !== null && shown.join() === allowed.join()) return;
      shown = allowed;
      mount(formSlot);
      mount(buttons,
        allowed.includes("close") ? actionButton("close", "Close bidding", closeForm) : null,
        allowed.includes("award") ? actionButton("award", "Award…", awardForm) : null,
        allowed.includes("reopen") ? actionButton("reopen", "Reopen…", reopenForm) : null,
        allowed.includes("delete") ? confirmButton("Delete", "Confirm delete", deleteRfo, {"data-testid": "action-delete"}) : null,
        allowed.length ? null : h("p", {className: "muted", "data-testid": "no-actions"},
          `No actions: ${rfo.status} is final.`));
    }

    function actionButton(name, label, makeForm) {
      return h("button", {type: "button", className: "secondary", "data-testid": `action-${name}`, onclick: () => {
        const form = makeForm();
        mount(formSlot, form);
        form.querySelector("input, select, textarea")?.focus();
      }}, label);
    }

    /** A form that POSTs `read(form)` with `call`, then shows the RFO it returns. */
    function actionForm(name, fields, submitLabel, call, done) {
      const form = h("form", {"data-testid": `${name}-form`, novalidate: true},
        formAlert(), fields,
        field({label: "Reason (optional)", name: "reason", type: "textarea",
          hint: "Kept in the audit trail; shown as the status reason", attrs: {rows: 2, maxlength: 500}}),
        h("div", {className: "buttons"},
          h("button", {type: "submit", "data-testid": `confirm-${name}`}, submitLabel),
          h("button", {type: "button", className: "secondary", onclick: () => mount(formSlot)}, "Cancel")));
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        busy(form, async () => {
          try {
            const body = {};
            const reason = form.elements.reason.value.trim();
            if (reason) body.reason = reason;
            const updated = await call(form, body);
            clearProblems(form);
            mount(formSlot);
            ctx.notify(done(updated), "success");
            await changed(updated);
          } catch (err) {
            if (!ctx.handleAuthError(err)) showProblem(form, err);
          }
        });
      });
      return form;
    }

    function closeForm() {
      return actionForm("close", null, "Close bidding", (form, body) => api.closeRfo(rfo.id, body),
        () => "Bidding closed.");
    }

    function awardForm() {
      // Only offers that can still be awarded; the award pins the revision shown here (409 offer_changed if
      // the vendor revised it since: the ranking is then reloaded so the buyer sees the new terms).
      const awardable = offers.filter((o) => o.awardable !== false);
      const revisions = new Map(awardable.map((o) => [o.offer_id, o.revision]));
      const options = awardable.map((o) => ({value: o.offer_id,
        label: `#${o.rank} · ${o.offer_id} · ${o.vendor_name ? `${o.vendor_name} · ` : ""}` +
          `${money(o.unit_price, rfo.currency)} per unit · score ${o.score}`}));
      const picker = options.length
        ? field({label: "Offer", name: "offer_id", type: "select", options,
          hint: rfo.status === "OPEN" ? "Awarding an open RFO closes bidding and awards in one step." : null})
        : h("p", {className: "muted", "data-testid": "no-offers"}, "No ranked offers to award yet.");
      const form = actionForm("award", picker, "Award", (f, body) => {
        if (!f.elements.offer_id) throw new FieldProblem("offer_id", "There is no offer to award");
        const offerId = f.elements.offer_id.value;
        return api.awardRfo(rfo.id, {offer_id: offerId, offer_revision: revisions.get(offerId), ...body})
          .catch((err) => {
            if (err.code === "offer_changed") rank.reload(rfo);
            throw err;
          });
      }, (updated) => `Awarded to ${updated.awarded_offer_id}.`);
      return form;
    }

    function reopenForm() {
      const needBy = Date.parse(rfo.need_by);
      const suggested = Math.min(daysFromNow(7).getTime(), needBy - 3_600_000);
      return actionForm("reopen",
        field({label: "New bidding deadline", name: "expires_at", type: "datetime-local",
          hint: `Your local time; in the future and not after need_by (${new Date(needBy).toLocaleString()})`,
          attrs: {required: true, value: toLocalInput(new Date(Math.max(suggested, Date.now() + 3_600_000)))}}),
        "Reopen", (form, body) => {
          let expires;
          try {
            expires = localInputToUtc(form.elements.expires_at.value);
          } catch (e) {
            throw new FieldProblem("expires_at", e.message);
          }
          if (!expires) throw new FieldProblem("expires_at", "Pick the new deadline");
          return api.reopenRfo(rfo.id, {expires_at: expires, ...body});
        }, () => "Bidding reopened.");
    }

    async function deleteRfo() {
      try {
        await api.deleteRfo(rfo.id);
        ctx.notify(`RFO “${rfo.title}” deleted.`, "success");
        clearTimeout(timer);
        onChanged?.(null);
        onDismiss?.();
      } catch (err) {
        if (ctx.handleAuthError(err)) return;
        mount(formSlot, h("div", {className: "alert", role: "alert", "data-testid": "form-error"},
          h("p", {}, problemText(err))));
      }
    }

    render();
    return {element, render};
  }

  renderFacts();
  schedule();
  return h("div", {className: "rfo-detail-area"},
    h("div", {className: "columns"}, header,
      h("div", {className: "stack"}, actions?.element, share?.element, history.element)),
    rank.element,
    h("div", {className: "columns"}, explain.element, weights?.element));
}

/**
 * The buyer's read-only share link (POST/DELETE /v1/rfos/{id}/public-token): anyone with it sees the RFO's public
 * view (no buyer, no vendors; prices only if allowed). The token is shown once, when created; a new link
 * revokes the previous one.
 */
function shareLinkPanel(rfo, ctx, {onChanged} = {}) {
  const result = h("div", {"aria-live": "polite"});
  const form = h("form", {"data-testid": "share-form", novalidate: true},
    formAlert(),
    h("p", {className: "hint"}, "A read-only link to this RFO for people without an account: title, quantities, " +
      "dates and the number of offers; never the buyer or the vendors. Creating a new link revokes the old one."),
    field({label: "Show the budget and the lowest unit price", name: "show_prices", type: "checkbox"}),
    h("div", {className: "buttons"},
      h("button", {type: "submit", "data-testid": "create-share-link"}, "Create link"),
      confirmButton("Revoke link", "Confirm revoke", () => revoke(), {"data-testid": "revoke-share-link"})),
    result);

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(form, async () => {
      try {
        const link = await api.createShareLink(rfo.id, {show_prices: form.elements.show_prices.checked});
        clearProblems(form);
        const url = new URL(link.url, location.origin).href; // the API answers a path when no base URL is set
        const input = h("input", {type: "text", readonly: true, value: url, className: "key",
          "data-testid": "share-link", "aria-label": "Share link", spellcheck: "false"});
        mount(result, h("p", {className: "warning"}, "Copy the link now: it is shown only once."),
          h("div", {className: "key-row"}, input,
            h("a", {href: url, target: "_blank", rel: "noopener noreferrer", "data-testid": "open-share-link"},
              "Open")));
        await onChanged?.();
      } catch (err) {
        if (!ctx.handleAuthError(err)) showProblem(form, err);
      }
    });
  });

  async function revoke() {
    try {
      await api.revokeShareLink(rfo.id);
      clearProblems(form);
      mount(result, h("p", {"data-testid": "share-revoked"}, "The share link is revoked: it no longer opens the RFO."));
      await onChanged?.();
    } catch (err) {
      if (!ctx.handleAuthError(err)) showProblem(form, err);
    }
  }

  return {element: section("Share link", "share-link-panel", form)};
}

/** The RFO's history (GET /history: the audit trail's status changes and actions) as a timeline. */
function historyPanel(rfo, ctx) {
  const list = h("ol", {className: "timeline", "data-testid": "history-list", "aria-live": "polite"});
  const alert = formAlert();
  const element = section("History", "rfo-history", alert, list);
  let generation = 0;

  async function reload() {
    const mine = ++generation;
    alert.hidden = true;
    try {
      const entries = await allPages((q) => api.history(rfo.id, q));
      if (mine !== generation) return;
      mount(list, entries.length ? entries.map(entryItem) : h("li", {className: "muted"}, "Nothing yet."));
    } catch (err) {
      if (mine !== generation || ctx.handleAuthError(err)) return;
      mount(alert, h("p", {}, problemText(err)));
      alert.hidden = false;
    }
  }

  reload();
  return {element, reload};
}

function entryItem(e) {
  const actor = e.actor?.kind === "system" ? "system" : `${e.actor?.kind} ${e.actor?.id}`;
  return h("li", {className: `event event-${e.action}`, "data-testid": "history-entry", "data-action": e.action},
    h("div", {className: "event-head"},
      h("strong", {"data-testid": "history-action"}, ACTION_LABELS[e.action] || e.action),
      e.from_status || e.to_status
        ? h("span", {className: "transition", "data-testid": "history-transition"},
          e.from_status ? statusBadge(e.from_status) : null, e.from_status ? " → " : null,
          e.to_status ? statusBadge(e.to_status) : null)
        : null,
      h("span", {className: "muted"}, when(e.at))),
    h("div", {className: "event-meta muted"}, "by ",
      h("code", {"data-testid": "history-actor", title: e.actor?.key_id ? `key ${e.actor.key_id}` : null}, actor)),
    e.reason ? h("p", {className: "event-reason", "data-testid": "history-reason"}, `“${e.reason}”`) : null);
}
