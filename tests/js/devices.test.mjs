// Pure parts of device pairing (pairing.js, connection.js) and of the dashboard's Devices and
// Audit log panels (devices-panel.js, audit-panel.js, common/api.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AUDIT_FILTERS, actionLabel, auditCsvPath, auditQuery, detailText, newestFirst, refusalRows } from '../../kiosk/web/js/audit-panel.js';
import { apiPath } from '../../kiosk/web/js/common/api.js';
import { Connection, helloMessage, isDeviceRemoved } from '../../kiosk/web/js/connection.js';
import { deviceStatus, pairingRequest, queueText, remainingText, sortDevices, suggestName } from '../../kiosk/web/js/devices-panel.js';
import { setLang } from '../../kiosk/web/js/i18n.js';
import { formatTimeOfDay } from '../../kiosk/web/js/format.js';
import { appDescription, pairCodeFromFragment, pairCodeFromInput, redeemPairingCode } from '../../kiosk/web/js/pairing.js';

test('pairing: the code comes from the #pair= fragment or a whole pairing link', () => {
    assert.equal(pairCodeFromFragment('#pair=ABCDE-FGHJK'), 'ABCDE-FGHJK');
    assert.equal(pairCodeFromFragment('#lang=de&pair=ABCDE-FGHJK'), 'ABCDE-FGHJK');
    assert.equal(pairCodeFromFragment('#key=abc'), null);
    assert.equal(pairCodeFromFragment('#pair=%E0%A4%A'), null, 'a broken escape is no code');
    assert.equal(pairCodeFromFragment(''), null);
    assert.equal(pairCodeFromInput(' https://10.0.0.2:8080/door#pair=ABCDE-FGHJK \n'), 'ABCDE-FGHJK');
    assert.equal(pairCodeFromInput('https://10.0.0.2:8080/door#key=abc'), null);
    assert.equal(pairCodeFromInput('ABCDE-FGHJK'), null, 'a bare code is not taken for a key link');
});

test('pairing: the app text names the browser and its major version', () => {
    assert.equal(appDescription('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'), 'web 0.2 Chrome/131');
    assert.equal(appDescription('Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'), 'web 0.2 Safari/17');
    assert.equal(appDescription('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'), 'web 0.2 Firefox/128');
    assert.equal(appDescription(''), 'web 0.2');
});

test('pairing: redeeming posts the code and returns the token, or throws the server code', async () => {
    const calls = [];
    const ok = async (url, init) => {
        calls.push({ url, init });
        return { ok: true, status: 200, json: async () => ({ token: 'sdd_3_x', device_id: 3, name: 'Door 1', role: 'door', event: {} }) };
    };
    const paired = await redeemPairingCode('ABCDE-FGHJK', { fetchFn: ok, app: 'web 0.2 Chrome/131' });
    assert.equal(paired.token, 'sdd_3_x');
    assert.equal(calls[0].url, '/api/pair');
    assert.equal(calls[0].init.method, 'POST');
    assert.deepEqual(JSON.parse(calls[0].init.body), { code: 'ABCDE-FGHJK', app: 'web 0.2 Chrome/131' });

    const used = async () => ({ ok: false, status: 401, json: async () => ({ code: 'unauthorized', message: 'unknown, used or expired pairing code' }) });
    await assert.rejects(redeemPairingCode('ABCDE-FGHJK', { fetchFn: used }), (err) => err.code === 'unauthorized' && err.status === 401);
    const down = async () => { throw new TypeError('Failed to fetch'); };
    await assert.rejects(redeemPairingCode('ABCDE-FGHJK', { fetchFn: down }), (err) => err.code === 'offline');
});

test('connection: hello carries the device token or the role key, never both', () => {
    const keyed = new Connection({ role: 'door', device: 'Door 1', key: 'k', url: 'ws://x/ws' });
    assert.deepEqual(helloMessage(keyed), { type: 'hello', protocol: 1, role: 'door', device: 'Door 1', key: 'k' });
    assert.equal(keyed.credential, 'k');
    const paired = new Connection({ role: 'door', device: 'Door 1', token: 'sdd_1_t', url: 'ws://x/ws', app: 'web 0.2' });
    assert.deepEqual(helloMessage(paired), { type: 'hello', protocol: 1, role: 'door', device: 'Door 1', token: 'sdd_1_t', app: 'web 0.2' });
    assert.equal(paired.credential, 'sdd_1_t');
    paired.open = () => {}; // no socket here: only the fields are checked
    paired.reconnectWith({ key: 'k2' });
    assert.deepEqual([paired.key, paired.token], ['k2', null], 'a new key replaces the token');
});

test('connection: a revoked token is told apart from a wrong key', () => {
    assert.equal(isDeviceRemoved({ code: 'unauthorized', field: 'token', message: 'this device was removed' }), true);
    assert.equal(isDeviceRemoved({ code: 'unauthorized', reason: 'device removed' }), true);
    assert.equal(isDeviceRemoved({ code: 'unauthorized', message: 'wrong key' }), false);
    assert.equal(isDeviceRemoved(undefined), false);
});

test('devices panel: pairing requests, suggested names, expiry and order', () => {
    assert.deepEqual(pairingRequest('door', '  Door \n 3 '), { role: 'door', name: 'Door 3', uses: 1, expires_s: 1800 });
    assert.equal(pairingRequest('door', '   '), null);
    const list = [
        { id: 1, name: 'Door 1', role: 'door', online: false },
        { id: 2, name: 'Door 2', role: 'door', online: true },
        { id: 3, name: 'Door 3', role: 'door', online: true, revoked_at: 5 },
        { id: 4, name: 'Bühne', role: 'stage', online: true },
    ];
    assert.equal(suggestName('Door', list), 'Door 3', 'a removed device frees its name');
    assert.equal(suggestName('Stage', list), 'Stage 1');
    assert.equal(remainingText(61000 + 1000, 1000), '1:01');
    assert.equal(remainingText(1000, 1000), null);
    assert.deepEqual(list.map(deviceStatus), ['offline', 'online', 'removed', 'online']);
    assert.deepEqual(sortDevices(list).map((d) => d.id), [4, 2, 1, 3]);
});

test('audit panel: queries, CSV links, order, refusals and labels', () => {
    setLang('en');
    assert.equal(apiPath('/api/x', { a: '', b: null, c: 0 }), '/api/x?c=0');
    assert.equal(auditQuery({}), '/api/audit?limit=200');
    assert.equal(auditQuery({ action: 'device.revoke', device: 'Door 1' }), '/api/audit?action=device.revoke&device=Door+1&limit=200');
    assert.equal(auditCsvPath({ action: 'undo' }), '/api/audit.csv?action=undo');
    assert.equal(auditCsvPath({}, true), '/api/audit.csv?sep=semicolon');
    assert.deepEqual(newestFirst([{ at: 1, seq: 1 }, { at: 3, seq: 3 }, { at: 3, seq: 2 }]).map((e) => e.seq), [3, 2, 1]);
    assert.deepEqual(refusalRows({ total: 8, devices: [{ device: 'A', count: 1 }, { device: 'B', count: 0 }, { device: 'C', count: 7 }] }).map((r) => r.device), ['C', 'A']);
    assert.deepEqual(refusalRows(undefined), []);
    assert.equal(detailText({ role: 'door', uses: 1, ids: [1, 2] }), 'role: door, uses: 1, ids: [1,2]');
    assert.equal(detailText(null), '');
    assert.equal(detailText('text'), 'text');
    assert.equal(actionLabel('timer.pause'), 'Timer: pause');
    assert.equal(actionLabel('export.attendance'), 'Export: attendance');
    assert.equal(actionLabel('device.revoke'), 'Device removed');
    assert.equal(actionLabel('something.new'), 'something.new');
    assert.equal(actionLabel('timer'), 'Timer');
    for (const a of AUDIT_FILTERS) assert.notEqual(actionLabel(a), a, `${a} has words`);
});

test('devices panel: a door\'s offline queue reads "12 queued · last sync 18:02"', () => {
    setLang('en');
    const lastSync = new Date(2026, 10, 27, 18, 2, 30).getTime();
    assert.equal(formatTimeOfDay(lastSync), '18:02');
    assert.equal(queueText({ queued: 12, oldest_at: lastSync - 60000, last_sync: lastSync, reported_at: lastSync }), '12 queued · last sync 18:02');
    assert.equal(queueText({ queued: 0, oldest_at: null, last_sync: null, reported_at: lastSync }), '0 queued · never synced');
    assert.equal(queueText(null), null, 'a device that never reported a queue');
    assert.equal(queueText(undefined), null);
    setLang('de');
    assert.equal(queueText({ queued: 3, oldest_at: null, last_sync: lastSync, reported_at: lastSync }), '3 in der Warteschlange · zuletzt übertragen 18:02');
    setLang('en');
});
