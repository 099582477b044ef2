// Generated tones (no audio files): each verdict sounds different, so staff can tell them apart
// without looking. Browsers start audio only after a user gesture; kiosks can launch Chromium
// with --autoplay-policy=no-user-gesture-required.

let ctx = null;

function audio() {
    if (!ctx) {
        const Ctor = window.AudioContext || window.webkitAudioContext;
        if (!Ctor) return null;
        ctx = new Ctor();
    }
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    return ctx;
}

// Unlock on the first interaction anywhere, after the event: creating the audio context can take
// a few hundred ms, which must not stall a scanner's burst of keys (the wedge times them).
for (const ev of ['pointerdown', 'keydown']) {
    globalThis.window?.addEventListener(ev, () => setTimeout(audio, 0), { once: true, capture: true });
}

/** notes: [[frequency Hz, start s, length s, wave]] */
function play(notes, volume = 0.25) {
    const ac = audio();
    if (!ac) return;
    const t0 = ac.currentTime + 0.01;
    for (const [freq, start, length, wave = 'sine'] of notes) {
        const osc = ac.createOscillator();
        const gain = ac.createGain();
        osc.type = wave;
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0, t0 + start);
        gain.gain.linearRampToValueAtTime(volume, t0 + start + 0.01);
        gain.gain.setValueAtTime(volume, t0 + start + length - 0.04);
        gain.gain.linearRampToValueAtTime(0, t0 + start + length);
        osc.connect(gain).connect(ac.destination);
        osc.start(t0 + start);
        osc.stop(t0 + start + length + 0.02);
    }
}

/** The notes of each sound: every verdict class (door) has its own. [notes, volume] */
export const TONES = {
    ok: [[[880, 0, 0.09], [1318.5, 0.09, 0.16]], 0.25],                          // admitted: bright rising two-tone
    exit: [[[1318.5, 0, 0.09], [880, 0.09, 0.16]], 0.22],                        // exit: the same, falling
    warning: [[[660, 0, 0.14, 'triangle'], [660, 0.2, 0.14, 'triangle']], 0.3],  // already in / not in: double beep
    neutral: [[[440, 0, 0.12, 'sine']], 0.2],                                    // not a badge: one short soft blip
    error: [[[196, 0, 0.45, 'square']], 0.18],                                   // invalid: low buzz
    vip: [[[784, 0, 0.12], [988, 0.12, 0.12], [1175, 0.24, 0.12], [1568, 0.36, 0.3]], 0.25],
    chimeWarning: [[[1046.5, 0, 0.6]], 0.2],
    chimeZero: [[[784, 0, 0.4], [523.25, 0.35, 0.8]], 0.25],
};

/** sounds.ok() etc.: plays TONES[name]. */
export const sounds = Object.fromEntries(Object.entries(TONES).map(([name, [notes, volume]]) => [name, () => play(notes, volume)]));

export function soundReady() {
    return !!ctx && ctx.state === 'running';
}
