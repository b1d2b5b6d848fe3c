// The benchmark's load generator: one Node process, many socket.io-client sockets
// (websocket transport only), driven by a JSON config file given as argv[2].
//
// It talks to the harness (bench/run.py) on stdout: `#PHASE <name> <json>` lines mark
// moments the harness samples the server at (CPU time, RSS), and one final
// `#RESULT` line says the measurements are in `cfg.resultPath`. Times are CLOCK_MONOTONIC ns
// (process.hrtime), the same clock the model server stamps with (time.monotonic_ns).
//
// Modes:
//   closed  N clients, each sends `agent:send` and waits for the agent's final
//           `agent:message` before the next; warm-up, then a measured window.
//   open    a fixed rate of exchanges spread over N clients (an idle one when there is
//           one), whatever the server's pace.
//   idle    connect N authenticated sockets, hold them, disconnect.
//   http    GET a list of paths with a bearer token, closed loop, fixed concurrency.

import { readFileSync, writeFileSync } from 'node:fs';
import { io } from 'socket.io-client';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const now = () => Number(process.hrtime.bigint());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const phase = (name, data = {}) => process.stdout.write(`#PHASE ${name} ${JSON.stringify({ t: now(), ...data })}\n`);
const log = (...args) => process.stderr.write(`[loadgen] ${args.join(' ')}\n`);

// Letters only: digits in a message could look like a phone number or a date to the NLU.
function tagOf(n) {
  let s = '';
  do { s = String.fromCharCode(97 + (n % 26)) + s; n = Math.floor(n / 26); } while (n > 0);
  return s;
}
let counter = 0;
const nextTag = () => `${cfg.tagPrefix ?? 'x'}${tagOf(counter++)}`;

// A signed-in person's socket, or with `cfg.visitor` a website visitor's (namespace
// /public, from the server's own origin as the widget's iframe connects).
function connect(token, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const visitor = cfg.visitor;
    const socket = io(visitor ? cfg.url + visitor.namespace : cfg.url, {
      transports: ['websocket'],
      auth: visitor ? { agent: visitor.agent } : token ? { token } : undefined,
      extraHeaders: visitor ? { Origin: cfg.url } : undefined,
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => { socket.close(); reject(err); });
  });
}

async function connectAll(tokens, concurrency) {
  const sockets = new Array(tokens.length);
  let next = 0;
  let failed = 0;
  let lastError = null;
  async function worker() {
    while (next < tokens.length) {
      const i = next++;
      try { sockets[i] = await connect(tokens[i]); } catch (err) { failed++; lastError = String(err?.message ?? err); }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, tokens.length) }, worker));
  return { sockets: sockets.filter(Boolean), failed, lastError };
}

function negotiatedExtensions(socket) {
  const ws = socket?.io?.engine?.transport?.ws;
  return ws && typeof ws.extensions === 'string' ? ws.extensions : null;
}

async function clockOffset(modelUrl) {
  // Offset of the model server's monotonic clock from ours, from the fastest of 30 pings;
  // on one Linux machine both read CLOCK_MONOTONIC, so this should be ~0 (a check).
  if (!modelUrl) return null;
  let best = null;
  for (let i = 0; i < 30; i++) {
    const t0 = now();
    const body = await (await fetch(`${modelUrl}/bench/clock`)).json();
    const t1 = now();
    const rtt = t1 - t0;
    if (!best || rtt < best.rtt) best = { rtt, offset: body.mono_ns - (t0 + t1) / 2 };
  }
  return { offset_ns: best.offset, rtt_ns: best.rtt };
}

// One chat client: its socket, the exchanges it has in flight, and how they end.
class Client {
  constructor(index, socket, sink) {
    this.index = index;
    this.socket = socket;
    this.sink = sink;
    this.contactId = `${cfg.contactPrefix ?? 'bench'}-${index}`;
    this.byCmid = new Map();
    this.byMessageId = new Map();
    socket.on('agent:message', (m) => this.onMessage(m));
    socket.on('agent:stream', (m) => this.onStream(m));
    socket.on('agent:error', (m) => this.onError(m));
  }

  get busy() { return this.byCmid.size > 0; }

  send(scheduled) {
    const tag = nextTag();
    const cmid = `${cfg.tagPrefix ?? 'x'}-${this.index}-${tag}`;
    const rec = { tag, cmid, tSched: scheduled ?? null, tSend: now(), tAck: 0, tFirstStream: 0, tFinal: 0, error: null, streams: 0 };
    let resolveDone;
    rec.done = new Promise((resolve) => { resolveDone = resolve; });
    rec.finish = (error) => {
      if (rec.tFinal) return;
      rec.tFinal = now();
      rec.error = error;
      clearTimeout(rec.timer);
      this.byCmid.delete(rec.cmid);
      if (rec.messageId) this.byMessageId.delete(rec.messageId);
      this.sink(rec);
      resolveDone(rec);
    };
    rec.timer = setTimeout(() => rec.finish('timeout'), cfg.exchangeTimeoutMs ?? 30000);
    this.byCmid.set(cmid, rec);
    this.socket.emit(
      'agent:send',
      { agentKey: cfg.agentKey ?? 'sdr', contactId: this.contactId, clientMessageId: cmid, message: `${cfg.message ?? 'Hello, what can you tell me about your plans?'} [ref ${tag}]` },
      (ack) => {
        rec.tAck = now();
        if (!ack || ack.ok === false) rec.finish(`nack:${ack?.error?.code ?? 'none'}`);
        else if (ack.messageId) { rec.messageId = ack.messageId; this.byMessageId.set(ack.messageId, rec); }
      },
    );
    return rec;
  }

  onMessage(m) {
    if (!m) return;
    if (m.author === 'user') {
      const rec = m.clientMessageId && this.byCmid.get(m.clientMessageId);
      if (rec) { rec.messageId = m.id; this.byMessageId.set(m.id, rec); }
      return;
    }
    const rec = m.replyTo && (this.byMessageId.get(m.replyTo) ?? this.byCmid.get(m.replyTo));
    if (rec) rec.finish(m.incomplete ? 'incomplete' : null);
  }

  onStream() {
    // A stream names the reply, not the request: attribute it only when unambiguous.
    if (this.byCmid.size !== 1) return;
    const rec = this.byCmid.values().next().value;
    rec.streams++;
    if (!rec.tFirstStream) rec.tFirstStream = now();
  }

  onError(m) {
    const rec = m?.messageId && this.byMessageId.get(m.messageId);
    if (rec) rec.finish(`error:${m.code}`);
  }
}

function summarize(records) {
  // streams: the `agent:stream` frames the reply arrived in (the server's pacing at work).
  return records.map((r) => [r.tag, r.tSched, r.tSend, r.tAck, r.tFirstStream, r.tFinal, r.error, r.streams]);
}

async function chatClients() {
  const t0 = now();
  const { sockets, failed, lastError } = await connectAll(cfg.tokens, cfg.connectConcurrency ?? 50);
  if (failed) throw new Error(`${failed} of ${cfg.tokens.length} sockets failed to connect: ${lastError}`);
  log(`connected ${sockets.length} sockets in ${((now() - t0) / 1e6).toFixed(0)} ms`);
  return sockets;
}

async function closedLoop() {
  const sockets = await chatClients();
  const offset = await clockOffset(cfg.modelUrl);
  const records = [];
  let window = null;
  const sink = (rec) => { if (window && rec.tSend >= window.start && (!window.end || rec.tFinal <= window.end)) records.push(rec); };
  let completedInWindow = 0;
  const clients = sockets.map((s, i) => new Client(i, s, (rec) => {
    if (window && !window.end && !rec.error) completedInWindow++;
    sink(rec);
  }));
  let running = true;
  const loops = clients.map(async (client) => {
    while (running) await client.send().done;
  });
  await sleep(cfg.warmupS * 1000);
  window = { start: now() };
  phase('measure-start');
  await sleep(cfg.durationS * 1000);
  window.end = now();
  phase('measure-end', { completed: completedInWindow });
  running = false;
  await Promise.race([Promise.all(loops), sleep(15000)]);
  const seconds = (window.end - window.start) / 1e9;
  const result = {
    mode: 'closed', clients: clients.length, seconds, completed: completedInWindow,
    rate: completedInWindow / seconds, errors: records.filter((r) => r.error).length,
    errorKinds: [...new Set(records.filter((r) => r.error).map((r) => r.error))].slice(0, 5),
    extensions: negotiatedExtensions(sockets[0]), clock: offset, records: summarize(records),
  };
  sockets.forEach((s) => s.close());
  return result;
}

async function openLoop() {
  const sockets = await chatClients();
  const offset = await clockOffset(cfg.modelUrl);
  const records = [];
  let measuring = false;
  let overlapped = 0;
  let windowStart = 0;
  let windowEnd = 0;
  let completedInWindow = 0;
  const clients = sockets.map((s, i) => new Client(i, s, (rec) => {
    if (rec.measured) records.push(rec);
    if (windowStart && !windowEnd && !rec.error) completedInWindow++;
  }));
  const idle = clients.slice();
  const rate = cfg.rate;
  const total = Math.round(rate * (cfg.warmupS + cfg.durationS));
  const warmupCount = Math.round(rate * cfg.warmupS);
  const start = now();
  let sent = 0;
  let rr = 0;
  let maxLagNs = 0;
  const inflight = [];
  while (sent < total) {
    const t = now();
    while (sent < total && start + (sent * 1e9) / rate <= t) {
      const scheduled = start + (sent * 1e9) / rate;
      if (sent === warmupCount) { measuring = true; windowStart = now(); phase('measure-start'); }
      let client = idle.shift();
      if (!client) { overlapped++; client = clients[rr++ % clients.length]; }
      const rec = client.send(scheduled);
      rec.measured = measuring;
      maxLagNs = Math.max(maxLagNs, rec.tSend - scheduled);
      inflight.push(rec.done.then(() => { if (!client.busy) idle.push(client); }));
      sent++;
    }
    const wait = (start + (sent * 1e9) / rate - now()) / 1e6;
    await sleep(Math.max(0, Math.floor(wait)));
  }
  const measureEnd = now();
  windowEnd = measureEnd;
  phase('measure-end', { sent, completed: completedInWindow });
  await Promise.race([Promise.all(inflight), sleep(30000)]);
  const result = {
    mode: 'open', clients: clients.length, rate, sent: total - warmupCount,
    seconds: (measureEnd - windowStart) / 1e9, completedInWindow,
    rateInWindow: completedInWindow / ((measureEnd - windowStart) / 1e9),
    completed: records.filter((r) => !r.error).length,
    errors: records.filter((r) => r.error).length, overlapped, maxSendLagMs: maxLagNs / 1e6,
    errorKinds: [...new Set(records.filter((r) => r.error).map((r) => r.error))].slice(0, 5),
    extensions: negotiatedExtensions(sockets[0]), clock: offset, records: summarize(records),
  };
  sockets.forEach((s) => s.close());
  return result;
}

async function idleSockets() {
  const tokens = Array.from({ length: cfg.count }, (_, i) => cfg.tokens[i % cfg.tokens.length]);
  const t0 = now();
  const { sockets, failed, lastError } = await connectAll(tokens, cfg.connectConcurrency ?? 100);
  const connectMs = (now() - t0) / 1e6;
  let dropped = 0;
  let holding = true;
  sockets.forEach((s) => s.on('disconnect', () => { if (holding) dropped++; }));
  phase('connected', { connected: sockets.length, failed });
  log(`idle: ${sockets.length} connected (${failed} failed${lastError ? `: ${lastError}` : ''}) in ${connectMs.toFixed(0)} ms; holding ${cfg.holdS} s`);
  const marks = Math.max(1, Math.floor(cfg.holdS / 10));
  for (let i = 1; i <= marks; i++) {
    await sleep((cfg.holdS * 1000) / marks);
    phase('hold', { i, connected: sockets.length - dropped });
  }
  phase('idle-end', { connected: sockets.length - dropped });
  await sleep(1500);
  holding = false;
  sockets.forEach((s) => s.close());
  return { mode: 'idle', requested: cfg.count, connected: sockets.length, failed, dropped, connectMs, extensions: negotiatedExtensions(sockets[0]) };
}

async function httpLoop() {
  const latencies = [];
  let errors = 0;
  let lastStatus = null;
  let next = 0;
  const headers = { Authorization: `Bearer ${cfg.token}` };
  for (let i = 0; i < Math.min(cfg.warmup ?? 0, cfg.paths.length); i++) await (await fetch(cfg.url + cfg.paths[i], { headers })).arrayBuffer();
  phase('measure-start');
  const t0 = now();
  async function worker() {
    while (next < cfg.requests) {
      const path = cfg.paths[next++ % cfg.paths.length];
      const t = now();
      const response = await fetch(cfg.url + path, { headers });
      await response.arrayBuffer();
      latencies.push((now() - t) / 1e6);
      if (response.status !== 200) { errors++; lastStatus = response.status; }
    }
  }
  await Promise.all(Array.from({ length: cfg.concurrency ?? 1 }, worker));
  const seconds = (now() - t0) / 1e9;
  phase('measure-end', { completed: latencies.length });
  return { mode: 'http', requests: latencies.length, seconds, rate: latencies.length / seconds, errors, lastStatus, latencies_ms: latencies };
}

const modes = { closed: closedLoop, open: openLoop, idle: idleSockets, http: httpLoop };
const deadline = setTimeout(() => { log('hard deadline reached'); process.exit(3); }, (cfg.deadlineS ?? 600) * 1000);
try {
  const result = await modes[cfg.mode]();
  // A file, not stdout: process.exit() would cut a large write to a pipe short.
  writeFileSync(cfg.resultPath, JSON.stringify(result));
  process.stdout.write('#RESULT\n', () => process.exit(0));
  clearTimeout(deadline);
} catch (err) {
  log(`failed: ${err?.stack ?? err}`);
  process.exit(2);
}
