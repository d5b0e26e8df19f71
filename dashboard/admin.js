// Admin (ops) view: who is signed in, and the RFOs of the environment by status with their history, rankings
// and explanations (read-only). Flags, cooldowns and the audit log are in ops.js.

import {api} from "./api.js";
import {h, mount} from "./dom.js";
import {rfoDetail} from "./lifecycle.js";
import {acrossStatuses, rfoList} from "./rfo.js";
import {section} from "./ui.js";

export function adminView(ctx) {
  const detail = h("div", {className: "detail", "data-testid": "detail-area"});
  const list = rfoList({
    title: "RFOs", testid: "rfo-list", ctx, statusFilter: true, defaultStatus: "OPEN",
    load: acrossStatuses((q) => api.listRfos(q)), // "All": the API lists one status at a time for ops
    onOpen: (rfo) => ctx.go("rfos", rfo.id),
    empty: "No RFOs with this status.",
  });

  let opened = 0;

  ctx.onRoute = (route) => {
    if (route?.kind === "rfos") return openRfo(route.id);
    ++opened;
    mount(detail);
  };

  async function openRfo(id) {
    const mine = ++opened;
    mount(detail, h("p", {className: "muted"}, "Loading…"));
    try {
      const view = await rfoDetail(id, ctx, {onDismiss: () => ctx.leave()});
      if (mine === opened) mount(detail, view);
    } catch (err) {
      if (mine === opened) {
        mount(detail);
        ctx.forget();
      }
      if (!ctx.handleAuthError(err)) ctx.notify(err);
    }
  }

  const me = ctx.me;
  const principal = section("Principal", "admin-me",
    h("dl", {className: "facts"},
      h("dt", {}, "Kind"), h("dd", {}, me.kind),
      h("dt", {}, "Name"), h("dd", {}, me.name || "—"),
      h("dt", {}, "ID"), h("dd", {}, h("code", {}, me.id)),
      h("dt", {}, "Key"), h("dd", {}, h("code", {}, me.key_id)),
      h("dt", {}, "Environment"), h("dd", {}, me.environment),
      h("dt", {}, "Scopes"), h("dd", {}, me.scopes.join(", "))));

  return h("div", {className: "view", "data-testid": "admin-view"},
    h("div", {className: "columns"}, list.element, principal), detail);
}
