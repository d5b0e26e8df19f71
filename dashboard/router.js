// The URL fragment names what is open, so a view can be linked, reloaded and reached with back/forward:
// `#/rfos/<id>` an RFO, `#/offers/<id>` an offer; a plain `#<section>` (e.g. `#keys`) selects a section.

/** The route in `hash`: {kind: "rfos" | "offers", id}, or null when it names none. */
export function parseRoute(hash = location.hash) {
  const m = /^#\/(rfos|offers)\/([^/?#]+)$/.exec(hash);
  if (!m) return null;
  try {
    return {kind: m[1], id: decodeURIComponent(m[2])};
  } catch {
    return null; // a malformed %-escape: no route
  }
}

export function routeHash(kind, id) {
  return `#/${kind}/${encodeURIComponent(id)}`;
}

/** The page's URL without its fragment (what "nothing open" looks like). */
export function baseUrl() {
  return location.pathname + location.search;
}
