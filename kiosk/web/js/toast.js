// Short confirmations ("Undone: Jana Köhler") that fade by themselves.
import { h } from './dom.js';

export function showToast(text, kind = 'info', ms = 4000) {
    let stack = document.getElementById('toasts');
    if (!stack) {
        stack = h('div.toast-stack#toasts', { 'aria-live': 'polite' });
        document.body.append(stack);
    }
    const el = h(`div.toast.${kind}`, { role: kind === 'err' ? 'alert' : 'status' }, text);
    stack.append(el);
    setTimeout(() => el.remove(), ms);
    return el;
}
