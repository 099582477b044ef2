// Number and time formatting shared by the views. Pure functions (unit-tested in tests/js).

const pad2 = (n) => String(n).padStart(2, '0');

/** Whole seconds as m:ss, or h:mm:ss from one hour on. */
export function formatSeconds(totalSeconds) {
    const s = Math.max(0, Math.trunc(totalSeconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    return h > 0 ? `${h}:${pad2(m)}:${pad2(sec)}` : `${m}:${pad2(sec)}`;
}

/**
 * A countdown as people read it: remaining time rounded UP to whole seconds (so 0:01 shows
 * until the true zero), overtime as +m:ss rounded DOWN (+0:00 during the first second over).
 */
export function formatCountdown(remainingMs) {
    if (remainingMs >= 0) return { text: formatSeconds(Math.ceil(remainingMs / 1000)), over: false };
    return { text: `+${formatSeconds(Math.floor(-remainingMs / 1000))}`, over: true };
}

/** Signed duration for planned-vs-projected deltas: "+2:30", "−0:45", "±0:00". */
export function formatDelta(ms) {
    const s = Math.round(ms / 1000);
    if (s === 0) return '±0:00';
    return `${s > 0 ? '+' : '−'}${formatSeconds(Math.abs(s))}`;
}

/** Local wall-clock time HH:MM (24 h) of a unix-ms instant. */
export function formatTimeOfDay(unixMs, withSeconds = false) {
    if (unixMs === null || unixMs === undefined) return '–';
    const d = new Date(unixMs);
    const base = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    return withSeconds ? `${base}:${pad2(d.getSeconds())}` : base;
}

/** Duration in minutes for agenda lists: "5 min", "1:30 min" when not whole. */
export function formatDurationShort(ms) {
    const s = Math.round(ms / 1000);
    if (s % 60 === 0) return `${s / 60} min`;
    return `${formatSeconds(s)} min`;
}

/** Signed milliseconds with a unit, for sync health: "+12 ms", "−3 ms". */
export function formatMs(ms) {
    if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
    const r = Math.round(ms);
    return `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r)} ms`;
}

/** Whole seconds from `thenMs` to `nowMs`, never negative: for "12 s ago". */
export function secondsSince(thenMs, nowMs) {
    return Math.max(0, Math.round((nowMs - thenMs) / 1000));
}

/** Whole percent of `part` in `whole`; 0 when there is no whole. */
export function percent(part, whole) {
    if (!whole) return 0;
    return Math.round((100 * part) / whole);
}
