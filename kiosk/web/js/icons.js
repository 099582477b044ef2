// Line icons as inline SVG: emoji and rare symbols are missing from many kiosk fonts.
const NS = 'http://www.w3.org/2000/svg';

const PATHS = {
    scan: '<path d="M4 8V4h4M16 4h4v4M20 16v4h-4M8 20H4v-4"/><path d="M8 8h3v3H8zM13 8h3v3h-3zM8 13h3v3H8zM13 13h3v3"/>',
    search: '<circle cx="10.5" cy="10.5" r="6.5"/><path d="M20 20l-4.8-4.8"/>',
    mic: '<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M8.5 21h7"/>',
    prev: '<path d="M6 5v14"/><path d="M19 5.5 9 12l10 6.5z" fill="currentColor"/>',
    next: '<path d="M18 5v14"/><path d="M5 5.5 15 12 5 18.5z" fill="currentColor"/>',
    play: '<path d="M7 4.5 19.5 12 7 19.5z" fill="currentColor"/>',
    pause: '<path d="M7 5h3.5v14H7zM13.5 5H17v14h-3.5z" fill="currentColor" stroke="none"/>',
    timer: '<circle cx="12" cy="13.5" r="7.5"/><path d="M12 9.5v4l2.5 2M9.5 2.5h5"/>',
    stop: '<path d="M8 2.5h8L21.5 8v8L16 21.5H8L2.5 16V8z"/><path d="M7.5 12h9"/>',
    info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.5v.5"/>',
    alert: '<path d="M12 3 22 20H2z"/><path d="M12 10v4.5M12 17.2v.3"/>',
    bell: '<path d="M6 16.5V11a6 6 0 0 1 12 0v5.5l1.8 1.8H4.2z"/><path d="M10 21h4"/>',
    bellOff: '<path d="M6 16.5V11a6 6 0 0 1 12 0v5.5l1.8 1.8H4.2z"/><path d="M10 21h4M3 3l18 18"/>',
    camera: '<path d="M3.5 7.5h4l2-3h5l2 3h4v12h-17z"/><circle cx="12" cy="13.5" r="3.8"/>',
    print: '<path d="M7 9V3.5h10V9"/><rect x="3" y="9" width="18" height="8" rx="2"/><path d="M7 14h10v6.5H7z"/>',
    download: '<path d="M12 3.5v12M7 11l5 5 5-5M4 20.5h16"/>',
    chart: '<path d="M3 20.5h18M6 17V11M11 17V5M16 17v-4M21 17V8"/>',
    sliders: '<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>',
    manual: '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13.5 6.5l4 4"/>',
    plus: '<path d="M12 5v14M5 12h14"/>',
    circle: '<circle cx="12" cy="12" r="6.5"/>',
    check: '<path d="M4.5 12.5 10 18 19.5 6.5"/>',
    close: '<path d="M6 6l12 12M18 6 6 18"/>',
    exclaim: '<path d="M12 4.5v10M12 19v.5"/>',
    question: '<path d="M8.5 8.5a3.5 3.5 0 1 1 5 3.2c-1 .5-1.5 1.2-1.5 2.3v.5M12 19v.5"/>',
    arrowRight: '<path d="M4 12h15M13 6l6 6-6 6"/>',
    arrowLeft: '<path d="M20 12H5M11 6l-6 6 6 6"/>',
    undo: '<path d="M8.5 4.5 4 9l4.5 4.5"/><path d="M4 9h10a5.5 5.5 0 0 1 0 11h-4"/>',
    wifiOff: '<path d="M2.5 9a14 14 0 0 1 5-3M11 5.1A14 14 0 0 1 21.5 9M5.5 12.5a9 9 0 0 1 4-2.3M14.5 10.4a9 9 0 0 1 4 2.1M8.8 16a4.5 4.5 0 0 1 6.4 0M12 19.5v.5M3 3l18 18"/>',
    star: '<path d="M12 3.5l2.6 5.3 5.9.9-4.2 4.1 1 5.8L12 16.9l-5.3 2.7 1-5.8-4.2-4.1 5.9-.9z" fill="currentColor"/>',
};

export function icon(name, className = '') {
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('class', `icon${className ? ' ' + className : ''}`);
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.innerHTML = PATHS[name] || '';
    return svg;
}

/** Replaces every <i data-icon="name"></i> in root with its SVG. */
export function applyIcons(root = document) {
    for (const el of root.querySelectorAll('i[data-icon]')) el.replaceWith(icon(el.dataset.icon, el.className));
}
