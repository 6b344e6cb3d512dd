import type { TaskPushNotificationConfig } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../gateway/database.ts';
import { ManualClock, seededRng } from '../shared/index.ts';
import { PrincipalUser } from './caller.ts';
import { SqlitePushNotificationStore } from './push-store.ts';

const did = 'did:parley:autonomous:alice';
const alice = new ServerCallContext({
  requestedVersion: '1.0',
  user: new PrincipalUser({
    did,
    kind: 'autonomous',
    status: 'active',
    via: 'api-key',
    scope: { did, policy: {} },
  }),
});

const webhook = (id: string): TaskPushNotificationConfig => ({
  tenant: '',
  id,
  taskId: '',
  url: `http://127.0.0.1:9/${id}`,
  token: '',
  authentication: undefined,
});

describe('SqlitePushNotificationStore', () => {
  it('finds webhooks registered before a restart, and none once the last is deleted', async () => {
    const db = openDatabase(':memory:');
    migrateDatabase(db);
    const storeOn = () =>
      new SqlitePushNotificationStore({
        orm: db.orm,
        clock: new ManualClock(),
        rng: seededRng('push-store'),
        allowPrivateEndpoints: true,
      });
    const before = storeOn();
    expect(await before.load('t1', alice)).toEqual([]);
    await before.save('t1', alice, webhook('a'));
    await before.save('t1', alice, webhook('b'));
    const after = storeOn();
    const urls = async (taskId: string) => (await after.load(taskId, alice)).map((config) => config.url);
    expect(await urls('t1')).toEqual(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
    expect(await urls('t2')).toEqual([]);
    await after.delete('t1', alice, 'a');
    expect(await urls('t1')).toEqual(['http://127.0.0.1:9/b']);
    await after.delete('t1', alice, 'b');
    expect(await urls('t1')).toEqual([]);
    await after.save('t1', alice, webhook('c'));
    expect(await urls('t1')).toEqual(['http://127.0.0.1:9/c']);
  });
});
