// The one WebSocket to the stagedoor server, shared by every view: hello, requests with
// promises, pushes by type, clock sync, and reconnect with exponential backoff and jitter.

import { ClockEstimator, sampleDelay, sampleOffset } from './clock-sync.js';

export const PROTOCOL_VERSION = 1;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const PING_BURST = 8;
const PING_INTERVAL_MS = 10000;
const SYNC_REPORT_INTERVAL_MS = 10000;
const REQUEST_TIMEOUT_MS = 8000;
export const STALE_AFTER_MS = 12000;

/**
 * Local clock for clock sync: wall time at page load plus the monotonic clock, so a system
 * clock step does not jolt the countdown (the estimated offset absorbs any difference).
 */
export function localNow() {
    return performance.timeOrigin + performance.now();
}

/** Next reconnect delay: doubles from 1 s to 30 s, with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt, random = Math.random) {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, attempt));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class RequestError extends Error {
    constructor(code, message, field) {
        super(message || code);
        this.code = code;
        this.field = field;
    }
}

/**
 * The hello frame: a paired device sends its token (the server then knows its name and role),
 * anything else the role key. app (optional) is the client's version text.
 */
export function helloMessage({ role, device, key, token, app }) {
    const hello = { type: 'hello', protocol: PROTOCOL_VERSION, role, device };
    if (token) hello.token = token;
    else hello.key = key;
    if (app) hello.app = app;
    return hello;
}

/**
 * States: 'connecting' (no welcome yet), 'online', 'offline' (waiting to reconnect),
 * 'unauthorized' (key rejected: stays down until a new key is given).
 */
export class Connection {
    constructor({ role, device, key, token, app, url, syncReport = false } = {}) {
        this.role = role;
        this.device = device;
        this.key = key;
        this.token = token; // a paired device's token; sent instead of the key
        this.app = app;
        this.url = url || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
        this.syncReport = syncReport;
        this.state = 'connecting';
        this.welcome = null;
        this.lastMessageAt = 0; // local ms of the last frame received
        this.clock = new ClockEstimator();
        this.lastSample = null; // {offset, delay, at}
        this.handlers = new Map(); // type -> Set(fn)
        this.pending = new Map(); // id -> {resolve, reject, timer}
        this.nextId = 1;
        this.attempt = 0;
        this.ws = null;
        this.timers = [];
        this.reconnectTimer = null;
        this.stopped = false;
    }

    /** Subscribe to a push type, or to 'state' / 'welcome' / 'sync'. Returns an unsubscribe. */
    on(type, fn) {
        if (!this.handlers.has(type)) this.handlers.set(type, new Set());
        this.handlers.get(type).add(fn);
        return () => this.handlers.get(type).delete(fn);
    }

    emit(type, payload) {
        for (const fn of this.handlers.get(type) || []) {
            try {
                fn(payload);
            } catch (err) {
                console.error(`handler for ${type} failed`, err);
            }
        }
    }

    /** The state to show people: a retry after an outage still reads "offline". */
    get displayState() {
        return this.state === 'connecting' && this.everOnline ? 'offline' : this.state;
    }

    setState(state) {
        if (this.state === state) return;
        this.state = state;
        this.emit('state', state);
    }

    /** Server clock estimate (unix ms), from the same local clock the samples use. */
    serverNow() {
        const now = localNow();
        return now + this.clock.offset(now);
    }

    start() {
        this.stopped = false;
        this.open();
    }

    stop() {
        this.stopped = true;
        clearTimeout(this.reconnectTimer);
        this.clearTimers();
        if (this.ws) this.ws.close(1000);
    }

    /** Use a new key or token (after "key rejected") or device name, and connect again now. */
    reconnectWith({ key, token, device } = {}) {
        if (key !== undefined) this.key = key;
        if (token !== undefined) this.token = token;
        if (device !== undefined) this.device = device;
        this.attempt = 0;
        clearTimeout(this.reconnectTimer);
        if (this.ws) {
            const old = this.ws;
            this.ws = null;
            old.onclose = null;
            old.close(1000);
        }
        this.failPending('offline');
        this.clearTimers();
        this.stopped = false;
        this.open();
    }

    open() {
        this.setState('connecting');
        let ws;
        try {
            ws = new WebSocket(this.url);
        } catch (err) {
            this.scheduleReconnect();
            return;
        }
        this.ws = ws;
        ws.onopen = () => {
            this.pingBurst();
            this.send(helloMessage(this))
                .then((welcome) => {
                    this.welcome = welcome;
                    this.everOnline = true;
                    this.attempt = 0;
                    this.setState('online');
                    this.emit('welcome', welcome);
                    if (this.syncReport) this.sendSyncReport(); // no-op until the first pong
                })
                .catch((err) => {
                    if (err.code === 'unauthorized') {
                        this.setState('unauthorized');
                        this.emit('unauthorized', err);
                    }
                });
        };
        ws.onmessage = (event) => this.receive(event.data);
        ws.onclose = () => {
            if (this.ws !== ws) return;
            this.ws = null;
            this.clearTimers();
            this.failPending('offline');
            if (this.stopped || this.state === 'unauthorized') return;
            this.setState('offline');
            this.scheduleReconnect();
        };
        ws.onerror = () => {}; // onclose follows and does the work
    }

    scheduleReconnect() {
        clearTimeout(this.reconnectTimer);
        const delay = backoffDelay(this.attempt++);
        this.nextAttemptAt = Date.now() + delay;
        this.reconnectTimer = setTimeout(() => this.open(), delay);
    }

    clearTimers() {
        for (const t of this.timers) clearInterval(t);
        this.timers = [];
    }

    failPending(code) {
        for (const [id, p] of this.pending) {
            clearTimeout(p.timer);
            p.reject(new RequestError(code, code));
            this.pending.delete(id);
        }
    }

    /** Send a request; resolves with the reply frame, rejects with RequestError. */
    send(message, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
        return new Promise((resolve, reject) => {
            if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
                reject(new RequestError('offline', 'offline'));
                return;
            }
            const id = this.nextId++;
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new RequestError('timeout', 'no reply'));
            }, timeoutMs);
            this.pending.set(id, { resolve, reject, timer, sentAt: performance.now() });
            this.ws.send(JSON.stringify({ ...message, id }));
        });
    }

    /** Resolves true once the session is up, false after timeoutMs (a scan may wait that long). */
    whenOnline(timeoutMs) {
        if (this.state === 'online') return Promise.resolve(true);
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                off();
                resolve(false);
            }, timeoutMs);
            const off = this.on('state', (state) => {
                if (state !== 'online') return;
                clearTimeout(timer);
                off();
                resolve(true);
            });
        });
    }

    /** Like send(), but only once the session is up (hello answered). */
    request(message, options) {
        if (this.state !== 'online') return Promise.reject(new RequestError('offline', 'offline'));
        return this.send(message, options);
    }

    receive(text) {
        this.lastMessageAt = Date.now();
        let msg;
        try {
            msg = JSON.parse(text);
        } catch {
            return;
        }
        if (msg.type === 'pong') {
            this.onPong(msg);
        }
        if (msg.re !== undefined && msg.re !== null && this.pending.has(msg.re)) {
            const p = this.pending.get(msg.re);
            this.pending.delete(msg.re);
            clearTimeout(p.timer);
            if (msg.type === 'error') p.reject(new RequestError(msg.code, msg.message, msg.field));
            else p.resolve(msg);
            return;
        }
        if (msg.type === 'error') {
            if (msg.code === 'unauthorized') {
                this.setState('unauthorized');
                this.emit('unauthorized', msg);
            }
            this.emit('error', msg);
            return;
        }
        if (msg.type !== 'pong') this.emit(msg.type, msg);
        this.emit('message', msg);
    }

    // ---- clock sync ------------------------------------------------------------------------

    ping() {
        if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return Promise.resolve();
        const t0 = localNow();
        return this.send({ type: 'ping', t0 }, { timeoutMs: 5000 }).catch(() => {});
    }

    onPong(msg) {
        const t3 = localNow();
        const sample = { t0: msg.t0, t1: msg.t1, t2: msg.t2, t3 };
        this.clock.add(sample);
        this.lastSample = { offset: sampleOffset(sample), delay: sampleDelay(sample), at: Date.now() };
        this.emit('sync', this.syncHealth());
    }

    async pingBurst() {
        const ws = this.ws;
        for (let i = 0; i < PING_BURST && this.ws === ws; i++) await this.ping();
        if (this.ws !== ws) return;
        this.timers.push(setInterval(() => this.ping(), PING_INTERVAL_MS));
        if (this.syncReport) {
            this.timers.push(setInterval(() => this.sendSyncReport(), SYNC_REPORT_INTERVAL_MS));
            this.sendSyncReport();
        }
    }

    /** {offset_ms, delay_ms, sample_age_ms} of the estimate in use, or null before any sample. */
    syncHealth() {
        const best = this.clock.best();
        if (!best) return null;
        const now = localNow();
        return {
            offset_ms: Math.round(this.clock.offset(now)),
            delay_ms: Math.max(0, Math.round(sampleDelay(best))),
            sample_age_ms: Math.max(0, Math.round(now - best.t3)),
        };
    }

    sendSyncReport() {
        const health = this.syncHealth();
        if (!health || this.state !== 'online') return;
        this.request({ type: 'sync_report', ...health }).catch(() => {});
    }
}
