// PulseDesk's browser client: the live connection count, the message log and a send box,
// over the same /ws every other client uses. Plain JavaScript, no build step, nothing fetched
// from elsewhere, so it works on a LAN with no internet.
//
// Rules this file keeps:
// - Text from the wire only ever goes into the page through textContent, never innerHTML.
// - The token lives in sessionStorage (this tab only). A ?token= in the address is taken once,
//   stored, and removed from the address bar with history.replaceState.
// - The first connection asks for the server's recent history (?since=0), as the window does.
// - A dropped connection is retried with capped, jittered backoff; the retry asks for
//   ?since=<last broadcast id>, so the server replays what was missed and nothing shows twice.
// - Joined channels are asked for again on every reconnect (?channels=), so their replay comes
//   with the global one.
"use strict";

(() => {
  const TOKEN_KEY = "pulsedesk.token";
  const MAX_ROWS = 1000;             // the oldest rows go first beyond this
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const CLOSE_POLICY = 1008;         // bad token (before welcome), flood or admin kick (after)
  const CLOSE_MEANINGS = {
    1000: "closed",
    1001: "the server is going away",
    1006: "connection lost",
    1008: "disconnected by the server",
    1009: "message too big",
    1011: "server error",
    1012: "the server is restarting",
    1013: "the server is busy",
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    service: $("service"),
    countBox: $("count-box"),
    count: $("count"),
    countLabel: $("count-label"),
    state: $("state"),
    reconnect: $("reconnect"),
    tokenPanel: $("token-panel"),
    tokenForm: $("token-form"),
    tokenInput: $("token-input"),
    tokenError: $("token-error"),
    logPanel: $("log-panel"),
    filter: $("filter"),
    scroller: $("scroller"),
    empty: $("empty"),
    log: $("log"),
    sendForm: $("send-form"),
    sendInput: $("send-input"),
    sendButton: $("send-button"),
    sendError: $("send-error"),
    sendBar: document.querySelector("footer.send"),
    sendModes: document.querySelectorAll('input[name="send-mode"]'),
    sendTarget: $("send-target"),
    joinForm: $("join-form"),
    channelInput: $("channel-input"),
    joinButton: $("join-button"),
    channels: $("channels"),
  };

  let socket = null;        // the current WebSocket; frames from any older one are ignored
  let welcomed = false;     // whether the current socket got its welcome frame
  let clientId = null;      // our id on the server, from welcome
  let lastId = null;        // highest broadcast id seen; null until the first welcome
  let greeted = false;      // whether any socket was welcomed yet (the history came with it)
  let attempt = 0;          // failed connection attempts since the last welcome
  let retryTimer = null;
  const messageRows = new Map();   // broadcast id -> its row, to drop duplicates
  const joined = new Set();        // the channels this page subscribes to

  // --- The token ----------------------------------------------------------------------------

  function takeTokenFromAddress() {
    const url = new URL(location.href);
    if (!url.searchParams.has("token")) return;
    const token = url.searchParams.get("token");
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }

  function askForToken(problem) {
    setState("token", "token needed");
    ui.tokenError.textContent = problem;
    ui.tokenError.hidden = !problem;
    ui.tokenPanel.hidden = false;
    ui.tokenInput.value = "";
    ui.tokenInput.focus();
  }

  ui.tokenForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = ui.tokenInput.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    ui.tokenInput.value = "";
    ui.tokenPanel.hidden = true;
    connect();
  });

  // --- The connection -----------------------------------------------------------------------

  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const params = new URLSearchParams();
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) params.set("token", token);
    if (joined.size) params.set("channels", [...joined].join(","));
    params.set("since", String(lastId ?? 0));  // 0: the recent history, on the first connect
    const query = params.toString();
    return `${scheme}//${location.host}/ws${query ? `?${query}` : ""}`;
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (socket) socket.close(1000);
    setState(attempt === 0 ? "connecting" : "reconnecting",
             attempt === 0 ? "connecting…" : "reconnecting…");
    const ws = new WebSocket(socketUrl());
    socket = ws;
    welcomed = false;
    ws.addEventListener("message", (event) => {
      if (ws !== socket) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;  // the server only sends JSON; anything else is not for us
      }
      onFrame(frame);
    });
    ws.addEventListener("close", (event) => {
      if (ws === socket) onClose(event);
    });
  }

  function onClose(event) {
    const wasLive = welcomed;
    socket = null;
    welcomed = false;
    setSending(false);
    ui.countBox.classList.add("stale");  // the last count we heard, no longer live
    if (event.code === CLOSE_POLICY && !wasLive) {
      // Refused before the welcome: the server wants a (different) token.
      const hadToken = sessionStorage.getItem(TOKEN_KEY) !== null;
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken(hadToken ? "That token was not accepted. Check it and try again." : "");
      return;
    }
    if (wasLive) addRow(new Date().toISOString(), "closed", "", closeText(event));
    if (event.code === CLOSE_POLICY) {
      // Disconnected by an administrator or for flooding: coming straight back is rude.
      setState("stopped", "disconnected");
      ui.reconnect.hidden = false;
      return;
    }
    scheduleRetry();
  }

  function scheduleRetry() {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
    const delay = ceiling * (0.75 + Math.random() / 2);  // jitter: clients don't return in step
    attempt += 1;
    setState("reconnecting", "reconnecting…");
    ui.state.title = `next attempt in ${Math.ceil(delay / 1000)} s`;
    retryTimer = setTimeout(connect, delay);
  }

  function closeText(event) {
    const meaning = event.reason || CLOSE_MEANINGS[event.code] || "connection closed";
    return `${meaning} (code ${event.code})`;
  }

  ui.reconnect.addEventListener("click", () => {
    ui.reconnect.hidden = true;
    attempt = 0;
    connect();
  });

  // Back online: no reason to wait for the timer.
  window.addEventListener("online", () => {
    if (retryTimer !== null) connect();
  });

  // --- Frames -------------------------------------------------------------------------------

  function onFrame(frame) {
    const data = frame.data && typeof frame.data === "object" ? frame.data : {};
    switch (frame.type) {
      case "welcome":
        onWelcome(frame, data);
        break;
      case "presence":
        setCount(data.connections, data.cluster);
        break;
      case "broadcast":
        if (typeof frame.id === "number") lastId = Math.max(lastId ?? 0, frame.id);
        showMessage(frame, data, false);
        break;
      case "echo":
        showMessage(frame, data, true);
        break;
      case "error":
        addRow(frame.timestamp, "error", "server", `${data.code}: ${data.message}`);
        showSendError(`The server said: ${data.message}`);
        break;
      case "subscribed":
        onJoined(frame, data);
        break;
      case "unsubscribed":
        joined.delete(data.channel);
        renderChannels();
        addRow(frame.timestamp, "left", "", `left ${data.channel}`);
        break;
      case "pong":
        break;
      default:
        addRow(frame.timestamp, String(frame.type), frame.client ?? "", describe(data));
    }
  }

  function onWelcome(frame, data) {
    if (lastId !== null && typeof data.last_id === "number" && data.last_id < lastId) {
      // The server's numbering went backwards: it restarted without its history. What it has
      // now is all new to us, so ask for all of it.
      addRow(frame.timestamp, "note", "", "the server restarted with a new history");
      lastId = 0;
      retireMessageRows();
      connect();
      return;
    }
    welcomed = true;
    attempt = 0;
    clientId = data.client ?? null;
    if (lastId === null) lastId = data.last_id ?? 0;
    ui.state.title = "";
    ui.reconnect.hidden = true;
    ui.tokenPanel.hidden = true;
    setState("live", "live");
    setCount(data.connections);
    ui.service.textContent = [data.service, data.version && `v${data.version}`]
      .filter(Boolean).join(" · ");
    const first = !greeted;
    greeted = true;
    const replayed = data.replayed && !first ? ` · ${data.replayed} missed replayed` : "";
    addRow(frame.timestamp, "welcome", clientId ?? "",
           `connected as ${clientId}${replayed}`);
    if (first && data.replayed) {
      const older = data.gap ? "; older ones are not shown" : "";
      addRow(frame.timestamp, "note", "", plural(data.replayed, "most recent message")
             + ` from the server's history${older}`);
    } else if (data.gap && !first) {
      addRow(frame.timestamp, "error", "server",
             "some messages were missed: the server's history does not reach back that far");
    }
    setSending(true);
  }

  function showMessage(frame, data, mine) {
    const id = frame.id;
    const existing = messageRows.get(id);
    if (existing) {
      if (mine) markMine(existing);
      return;
    }
    const row = addRow(frame.timestamp, "broadcast", frame.client ?? "", describe(data), id);
    if (typeof data.text !== "string") row.querySelector(".text").classList.add("data");
    if (typeof frame.channel === "string") {
      row.dataset.channel = frame.channel;
      row.querySelector(".text").prepend(cell("span", "channel", frame.channel));
    }
    messageRows.set(id, row);
    if (mine || (clientId !== null && frame.client === clientId)) markMine(row);
  }

  function plural(count, noun) {
    return `the ${count} ${noun}${count === 1 ? "" : "s"}`;
  }

  function markMine(row) {
    row.classList.add("mine");
    row.querySelector(".client").title = "you";
  }

  function describe(data) {
    if (typeof data.text === "string") return data.text;
    // One line with a space after each comma and colon, so long data wraps between values.
    // (Newlines inside strings are escaped by stringify, so only layout newlines go.)
    return JSON.stringify(data, null, 1)
      .replace(/([{[])\n\s*/g, "$1")
      .replace(/\n\s*([}\]])/g, "$1")
      .replace(/\n\s*/g, " ");
  }

  // --- Channels ---------------------------------------------------------------------------

  function onJoined(frame, data) {
    const name = String(data.channel);
    const isNew = !joined.has(name);
    joined.add(name);
    renderChannels();
    if (ui.sendTarget.dataset.next === name) {
      ui.sendTarget.value = name;
      delete ui.sendTarget.dataset.next;
    }
    if (isNew) {  // a reconnect's ?channels= answers again for each: no new row then
      const others = data.subscribers === 1 ? "only you" : `${data.subscribers} subscribers`;
      addRow(frame.timestamp, "joined", "", `joined ${name} (${others})`);
    }
  }

  // The chips (each with its leave button) and the send box's targets follow ``joined``.
  function renderChannels() {
    const chips = [...joined].sort().map((name) => {
      const chip = cell("li", "chip", name);
      const leave = cell("button", "leave", "×");
      leave.type = "button";
      leave.title = `Leave ${name}`;
      leave.setAttribute("aria-label", `Leave ${name}`);
      leave.addEventListener("click", () => {
        if (socket && welcomed) {
          socket.send(JSON.stringify({ type: "unsubscribe", data: { channel: name } }));
        }
      });
      chip.append(leave);
      return chip;
    });
    ui.channels.replaceChildren(...chips);
    ui.channels.hidden = chips.length === 0;
    const chosen = ui.sendTarget.value;
    const options = [new Option("Everyone", "")];
    for (const name of [...joined].sort()) options.push(new Option(`#${name}`, name));
    ui.sendTarget.replaceChildren(...options);
    ui.sendTarget.value = joined.has(chosen) ? chosen : "";
  }

  ui.joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.channelInput.value.trim();
    if (!name || !socket || !welcomed) return;
    socket.send(JSON.stringify({ type: "subscribe", data: { channel: name } }));
    ui.channelInput.value = "";
    ui.sendTarget.dataset.next = name;  // chosen as the target once the server says yes
  });

  // --- The log ------------------------------------------------------------------------------

  function cell(tag, className, text) {
    const element = document.createElement(tag);
    element.className = className;
    element.textContent = text;
    return element;
  }

  function formatTime(timestamp) {
    const when = new Date(timestamp);
    if (Number.isNaN(when.getTime())) return "";
    return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit",
                                         second: "2-digit", hour12: false });
  }

  // Rows made between two frames go into the page together, so a burst of messages costs
  // one layout per frame rather than one per message. In a hidden tab frames stop; the queue
  // is capped like the log, and fills the page when the tab is shown again.
  const pending = [];
  let flushScheduled = false;

  function addRow(timestamp, type, client, text, id) {
    const row = document.createElement("li");
    row.className = `entry type-${type.replace(/[^a-z0-9-]/gi, "")}`;
    const time = cell("time", "time", formatTime(timestamp));
    time.dateTime = timestamp ?? "";
    time.title = timestamp ?? "";
    row.append(time, cell("span", "type", type), cell("span", "client", client),
               cell("span", "text", text));
    if (typeof id === "number") row.dataset.id = String(id);
    row.hidden = !matchesFilter(row);

    pending.push(row);
    if (pending.length > MAX_ROWS) forget(pending.shift());
    if (!flushScheduled) {
      flushScheduled = true;
      requestAnimationFrame(flushRows);
    }
    return row;
  }

  function flushRows() {
    flushScheduled = false;
    const atBottom = ui.scroller.scrollHeight - ui.scroller.scrollTop
      - ui.scroller.clientHeight < 40;
    for (const row of pending) ui.log.insertBefore(row, placeFor(row));
    pending.length = 0;
    while (ui.log.childElementCount > MAX_ROWS) forget(ui.log.firstElementChild);
    ui.empty.hidden = ui.log.childElementCount > 0;
    if (atBottom) ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  // Messages are kept in id order even if a replayed one arrives after a newer live one;
  // other rows (welcome, closed, error) go at the end.
  function placeFor(newRow) {
    if (newRow.dataset.id === undefined) return null;
    const id = Number(newRow.dataset.id);
    let next = null;
    for (let row = ui.log.lastElementChild; row; row = row.previousElementSibling) {
      if (row.dataset.id === undefined) continue;
      if (Number(row.dataset.id) < id) break;
      next = row;
    }
    return next;
  }

  // After the server's numbering restarted, the rows shown so far keep their place but leave
  // the id ordering and the duplicate check: their ids belong to the old numbering.
  function retireMessageRows() {
    for (const row of [...ui.log.children, ...pending]) {
      if (row.dataset.id === undefined) continue;
      row.dataset.oldId = row.dataset.id;
      delete row.dataset.id;
    }
    messageRows.clear();
  }

  function forget(row) {
    if (row.dataset.id !== undefined) messageRows.delete(Number(row.dataset.id));
    row.remove();
  }

  function matchesFilter(row) {
    const wanted = ui.filter.value.trim().toLowerCase();
    return !wanted || row.textContent.toLowerCase().includes(wanted);
  }

  ui.filter.addEventListener("input", () => {
    for (const row of ui.log.children) row.hidden = !matchesFilter(row);
  });

  // --- Header and send box ------------------------------------------------------------------

  function setState(name, label) {
    ui.state.dataset.state = name;
    ui.state.textContent = label;
  }

  // With several servers sharing broadcasts (Redis), presence frames also carry the cluster's
  // totals; people care about everyone they are talking to, so those come first.
  function setCount(local, cluster) {
    if (typeof local !== "number") return;
    const clustered = cluster && typeof cluster.connections === "number"
      && typeof cluster.instances === "number";
    const count = clustered ? cluster.connections : local;
    ui.count.textContent = String(count);
    ui.countBox.hidden = false;
    ui.countBox.classList.remove("stale");
    let label = count === 1 ? "connection" : "connections";
    if (clustered) {
      label += ` on ${cluster.instances} ${cluster.instances === 1 ? "server" : "servers"}`;
    }
    ui.countLabel.textContent = label;
    ui.countBox.title = clustered ? `${local} on this server` : "";
  }

  function setSending(enabled) {
    for (const control of [ui.sendInput, ui.sendButton, ui.sendTarget, ui.joinButton]) {
      control.disabled = !enabled;
    }
  }

  // Text mode sends {"type": "message", "data": {"text": ...}}. JSON mode needs an object: one
  // with a "type" goes out as the envelope it is, any other becomes the data of a message
  // (the window's send box does the same). A mistake is said under the box; the text stays.
  function composeFrame(text, mode) {
    if (mode === "text") return { type: "message", data: { text } };
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`Not valid JSON: ${error.message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error("JSON mode sends an object: {...}");
    }
    if (!("type" in value)) return { type: "message", data: value };
    if (typeof value.type !== "string" || !value.type) {
      throw new Error('"type" must be a non-empty string');
    }
    const data = value.data ?? {};
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw new Error('"data" must be an object');
    }
    return value;
  }

  function sendMode() {
    return [...ui.sendModes].find((radio) => radio.checked)?.value ?? "text";
  }

  function showSendError(message) {
    ui.sendError.textContent = message;
    ui.sendError.hidden = !message;
  }

  for (const radio of ui.sendModes) {
    radio.addEventListener("change", () => {
      const json = sendMode() === "json";
      ui.sendBar.classList.toggle("json", json);
      ui.sendInput.placeholder = json ? 'A JSON object, like {"price": 3}' : "Message to everyone";
      showSendError("");
      ui.sendInput.focus();
    });
  }

  ui.sendInput.addEventListener("input", () => showSendError(""));

  ui.sendForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.sendInput.value;
    if (!text.trim() || !socket || !welcomed) return;
    let frame;
    try {
      frame = composeFrame(text, sendMode());
    } catch (error) {
      showSendError(error.message);
      return;
    }
    showSendError("");
    if (ui.sendTarget.value && !("channel" in frame)) frame.channel = ui.sendTarget.value;
    socket.send(JSON.stringify(frame));
    ui.sendInput.value = "";
    ui.sendInput.focus();
  });

  takeTokenFromAddress();
  connect();
})();
