// What the countdown shows at a given server time, derived from the last `timer` push.
// Pure: stage.js and moderator.js call it every animation frame with Date.now() + offset.

import { formatCountdown } from './format.js';

/**
 * @param timer  the last `timer` push (or null)
 * @param serverNow  estimated server clock, unix ms
 * @returns {{state, phase, remainingMs, text, over, progress}}
 *   phase: idle | normal | warning | danger | overtime | paused | stopped
 *   progress: elapsed fraction of the item, 0..1 (for the bar)
 */
export function timerView(timer, serverNow) {
    if (!timer || !timer.item) {
        return { state: timer ? timer.state : 'idle', phase: 'idle', remainingMs: null, text: '–:––', over: false, progress: 0 };
    }
    const state = timer.state;
    let remaining;
    if ((state === 'running' || state === 'overtime') && timer.ends_at !== null && timer.ends_at !== undefined) {
        remaining = timer.ends_at - serverNow;
        // Items that stop or advance at zero never show overtime; the server's next push follows.
        if (remaining < 0 && timer.at_zero !== 'count_up') remaining = 0;
    } else if (timer.remaining_ms !== null && timer.remaining_ms !== undefined) {
        remaining = timer.remaining_ms;
    } else {
        remaining = timer.duration_ms;
    }
    const { text, over } = formatCountdown(remaining);
    let phase;
    if (over) phase = 'overtime';
    else if (state === 'idle') phase = 'idle';
    else if (remaining <= (timer.danger_ms ?? 0)) phase = 'danger';
    else if (remaining <= (timer.warn_ms ?? 0)) phase = 'warning';
    else phase = 'normal';
    const total = (timer.duration_ms ?? 0) + (timer.added_ms ?? 0);
    const progress = total > 0 ? Math.min(1, Math.max(0, 1 - remaining / total)) : 0;
    return { state, phase, remainingMs: remaining, text, over, progress };
}

/**
 * Which chime is due between two frames of a running timer: 'warning' when the remaining time
 * crosses warn_ms, 'zero' when it reaches zero, else null.
 */
export function chimeBetween(previousRemaining, remaining, timer) {
    if (previousRemaining === null || remaining === null || !timer) return null;
    if (timer.state !== 'running' && timer.state !== 'overtime') return null;
    if (previousRemaining > 0 && remaining <= 0) return 'zero';
    const warn = timer.warn_ms ?? 0;
    if (warn > 0 && previousRemaining > warn && remaining <= warn) return 'warning';
    return null;
}
