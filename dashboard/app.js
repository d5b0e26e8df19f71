// IntentBid dashboard: sign in with an API key (or register), then the view of the key's principal kind.
// Speaks only the public API, on the same origin, with the user's key.

import {api, session} from "./api.js";
import {adminView} from "./admin.js";
import {keyOncePanel, registerPanel, signInPanel} from "./auth.js";
import {buyerView} from "./buyer.js";
import {h, mount} from "./dom.js";
import {keysView} from "./keys.js";
import {auditView, opsView} from "./ops.js";
import {baseUrl, parseRoute, routeHash} from "./router.js";
import {FieldProblem, problemText, tabs} from "./ui.js";
import {vendorView} from "./vendor.js";
import {webhooksView} from "./webhooks.js";

const main = document.getElementById("main");
const who = document.getElementById("who");
const notices = document.getElementById("notices");

// The sections (tabs) of each principal kind's view; the first is shown after signing in. A section with a
// `scope` is shown only to a key that holds it.
const VIEWS = {
  buyer: [
    {id: "rfos", label: "RFOs", render: buyerView},
    {id: "keys", label: "API keys", render: keysView},
    {id: "webhooks", label: "Webhooks", render: webhooksView, scope: "webhooks:manage"},
  ],
  vendor: [
    {id: "rfos", label: "RFOs & offers", render: vendorView},
    {id: "keys", label: "API keys", render: keysView},
    {id: "webhooks", label: "Webhooks", render: webhooksView, scope: "webhooks:manage"},
  ],
  admin: [
    {id: "rfos", label: "RFOs", render: adminView},
    {id: "ops", label: "Flags & cooldowns", render: opsView},
    {id: "audit", label: "Audit log", render: auditView},
  ],
};

let sectionTabs = null; // the signed-in view's tabs element (selectTab)

const ctx = {
  me: null,
  /** The rfos section's handler of the URL's route ({kind, id} or null: nothing open); set by that view. */
  onRoute: null,
  /** Open an RFO or offer as a new history entry (`#/rfos/<id>`), so it can be linked and gone back from. */
  go(kind, id) {
    const hash = routeHash(kind, id);
    if (location.hash !== hash) history.pushState(null, "", hash);
    route();
  },
  /** Close what the URL names (a new history entry without a route: back reopens it). */
  leave() {
    if (parseRoute()) {
      history.pushState(null, "", baseUrl());
      route();
    }
  },
  /** The URL names something that cannot be shown (e.g. 404): drop it without a new history entry. */
  forget() {
    if (parseRoute()) history.replaceState(null, "", baseUrl());
  },
  /** A 401 mid-session (revoked or expired key) ends the session and says why. */
  handleAuthError(err) {
    if (err?.status !== 401) return false;
    signOut(err);
    return true;
  },
  /** A short message at the top: an Error/ApiError is shown as a problem, a string as info. */
  notify(message, tone = "info") {
    const isError = typeof message !== "string";
    const text = isError ? problemText(message) : message;
    const note = h("div", {className: `notice notice-${isError ? "error" : tone}`, role: isError ? "alert" : "status",
      "data-testid": isError ? "notice-error" : "notice"},
      h("span", {}, text),
      h("button", {type: "button", className: "close", "aria-label": "Dismiss", onclick: () => note.remove()}, "×"));
    notices.replaceChildren(note);
    if (!isError) setTimeout(() => note.remove(), 8000);
  },
};

/** Show what the URL names: its route in the first (RFOs) section, or the section a plain `#<id>` selects. */
function route() {
  if (!ctx.me) return;
  const target = parseRoute();
  sectionTabs?.selectTab(target ? "" : location.hash.slice(1));
  ctx.onRoute?.(target);
}

window.addEventListener("popstate", route);

async function signIn(key, {newKey} = {}) {
  if (!key) throw new FieldProblem("api_key", "Enter your API key");
  const me = await api.me(key); // rejects with the 401 problem for a bad key
  session.key = key;
  showSignedIn(me, newKey);
}

function signOut(problem) {
  session.key = null;
  history.replaceState(null, "", baseUrl()); // forget the selected tab and what was open
  ctx.me = null;
  ctx.onRoute = null;
  sectionTabs = null;
  notices.replaceChildren();
  showSignedOut(problem);
}

function showSignedOut(problem) {
  mount(who);
  document.title = "IntentBid dashboard";
  mount(main, h("div", {className: "columns signed-out"},
    signInPanel((key) => signIn(key), problem),
    registerPanel((apiKey) => signIn(apiKey, {newKey: apiKey}))));
}

function showSignedIn(me, newKey) {
  ctx.me = me;
  document.title = `IntentBid — ${me.name || me.kind}`;
  mount(who,
    h("span", {className: `badge badge-kind`, "data-testid": "me-kind"}, me.kind),
    me.name ? h("strong", {"data-testid": "me-name"}, me.name) : null,
    h("code", {"data-testid": "me-id", title: `Key ${me.key_id}`}, me.id),
    h("span", {className: `badge badge-env-${me.environment}`, "data-testid": "me-environment"}, me.environment),
    h("button", {type: "button", className: "secondary", "data-testid": "sign-out", onclick: () => signOut()}, "Sign out"));
  const sections = VIEWS[me.kind]?.filter((s) => !s.scope || (me.scopes || []).includes(s.scope));
  const keyPanel = newKey ? keyOncePanel(newKey) : null;
  ctx.onRoute = null;
  sectionTabs = sections
    ? tabs(sections.map((s) => ({...s, render: () => s.render(ctx)})), {label: `${me.kind} dashboard`})
    : null;
  mount(main, keyPanel, sectionTabs || h("p", {}, `No dashboard view for ${me.kind} principals.`));
  if (parseRoute()) route(); // a linked RFO or offer (the URL survives signing in)
  // Move focus into the new content (the new key first, so it is read out and easy to copy).
  (keyPanel?.querySelector("input") || main).focus({preventScroll: true});
}

async function start() {
  const key = session.key;
  if (!key) return showSignedOut();
  try {
    showSignedIn(await api.me(key));
  } catch (err) {
    if (err.status === 401) session.key = null;
    showSignedOut(err);
  }
}

start();
