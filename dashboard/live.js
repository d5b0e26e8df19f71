// Live updates: one realtime WebSocket per signed-in key (a one-time ticket from POST /v1/realtime/tickets),
// its events handed to every subscriber. Reconnects with back-off while anyone listens; a new key reconnects.

import {api, session} from "./api.js";

const listeners = new Set();
let socket = null;
let socketKey = null;
let backoffMs = 1000;
let timer = null;

async function open() {
  clearTimeout(timer);
  if (!listeners.size || !session.key) return;
  const key = session.key;
  try {
    const {ticket, url} = await api.realtimeTicket();
    if (key !== session.key || !listeners.size) return;
    const ws = new WebSocket(`${url}?ticket=${encodeURIComponent(ticket)}`);
    socket = ws;
    socketKey = key;
    ws.onopen = () => { backoffMs = 1000; };
    ws.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      for (const listener of [...listeners]) listener(event);
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      retry();
    };
  } catch {
    retry();
  }
}

function retry() {
  if (!listeners.size) return;
  timer = setTimeout(open, backoffMs);
  backoffMs = Math.min(backoffMs * 2, 30000);
}

/** Call `listener(event)` for every event of the signed-in principal; returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  if (socket && socketKey !== session.key) socket.close();
  else if (!socket) open();
  return () => {
    listeners.delete(listener);
    if (!listeners.size && socket) socket.close();
  };
}
