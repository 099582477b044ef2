// The hello frame of the browser views (kiosk/web/js/connection.js): a paired device sends its
// token instead of a role key.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { helloMessage } from '../../kiosk/web/js/connection.js';

test('hello: a role key when the view has no device token', () => {
    assert.deepEqual(helloMessage({ role: 'door', device: 'Door 1', key: 'k3y' }), {
        type: 'hello', protocol: 1, role: 'door', device: 'Door 1', key: 'k3y',
    });
});

test('hello: a paired device sends its token, never the key, and its app version', () => {
    const hello = helloMessage({ role: 'door', device: 'Door 1', key: 'k3y', token: 'sdd_7_abc', app: 'web 0.2' });
    assert.equal(hello.token, 'sdd_7_abc');
    assert.equal(hello.app, 'web 0.2');
    assert.equal('key' in hello, false);
});
