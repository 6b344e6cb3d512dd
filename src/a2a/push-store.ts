import { TaskPushNotificationConfig } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type {
  PushNotificationStore,
  ServerCallContext,
  StoredPushNotificationConfig,
} from '@a2a-js/sdk/server';
import { and, asc, eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { checkProviderEndpoint } from '../router/index.ts';
import { type Clock, type Rng, randomId } from '../shared/index.ts';
import { a2aPushConfigs } from './tables.ts';
import { scopeOf } from './task-store.ts';

export interface PushStoreDeps {
  orm: BetterSQLite3Database;
  clock: Clock;
  rng: Rng;
  /** Webhooks on loopback or private networks are refused unless this is set (development). */
  allowPrivateEndpoints: boolean;
}

/**
 * Webhook registrations, durable and scoped to their owner. A URL must pass the same SSRF guard as a
 * provider endpoint (http(s), not loopback, link-local or private after DNS resolution).
 */
export class SqlitePushNotificationStore implements PushNotificationStore {
  constructor(private readonly deps: PushStoreDeps) {}

  async save(taskId: string, context: ServerCallContext, config: TaskPushNotificationConfig): Promise<void> {
    const refusal = await checkProviderEndpoint(config.url, this.deps.allowPrivateEndpoints);
    if (refusal) {
      throw new RequestMalformedError(
        `The webhook URL is refused (${refusal}): it must be http(s) and reach a public address.`,
      );
    }
    // The SDK reads the new id back from the object it passed in.
    if (!config.id) config.id = `push-${randomId(this.deps.rng, 8)}`;
    const row = {
      config: TaskPushNotificationConfig.toJSON({ ...config, taskId }) as Record<string, unknown>,
      wireVersion: context.requestedVersion,
    };
    this.deps.orm
      .insert(a2aPushConfigs)
      .values({
        ...scopeOf(context),
        taskId,
        configId: config.id,
        ...row,
        createdAt: new Date(this.deps.clock.now()),
      })
      .onConflictDoUpdate({
        target: [a2aPushConfigs.tenant, a2aPushConfigs.owner, a2aPushConfigs.taskId, a2aPushConfigs.configId],
        set: row,
      })
      .run();
  }

  async load(taskId: string, context: ServerCallContext): Promise<TaskPushNotificationConfig[]> {
    return (await this.loadWithMetadata(taskId, context)).map((stored) => stored.config);
  }

  async loadWithMetadata(
    taskId: string,
    context: ServerCallContext,
  ): Promise<StoredPushNotificationConfig[]> {
    const { tenant, owner } = scopeOf(context);
    return this.deps.orm
      .select()
      .from(a2aPushConfigs)
      .where(
        and(
          eq(a2aPushConfigs.tenant, tenant),
          eq(a2aPushConfigs.owner, owner),
          eq(a2aPushConfigs.taskId, taskId),
        ),
      )
      .orderBy(asc(a2aPushConfigs.createdAt), asc(a2aPushConfigs.configId))
      .all()
      .map((row) => ({
        config: TaskPushNotificationConfig.fromJSON(row.config),
        wireVersion: row.wireVersion,
      }));
  }

  /** Without a config id, deletes the config whose id is the task id (the v0.3 default), as the SDK does. */
  async delete(taskId: string, context: ServerCallContext, configId?: string): Promise<void> {
    const { tenant, owner } = scopeOf(context);
    this.deps.orm
      .delete(a2aPushConfigs)
      .where(
        and(
          eq(a2aPushConfigs.tenant, tenant),
          eq(a2aPushConfigs.owner, owner),
          eq(a2aPushConfigs.taskId, taskId),
          eq(a2aPushConfigs.configId, configId ?? taskId),
        ),
      )
      .run();
  }
}
