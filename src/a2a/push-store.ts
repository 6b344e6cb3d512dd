import { TaskPushNotificationConfig } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type {
  PushNotificationStore,
  ServerCallContext,
  StoredPushNotificationConfig,
} from '@a2a-js/sdk/server';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { checkProviderEndpoint } from '../router/index.ts';
import { type Clock, type Rng, randomId } from '../shared/index.ts';
import { pushStatements } from './statements.ts';
import { scopedKey, scopeOf } from './task-store.ts';

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
  private readonly statements: ReturnType<typeof pushStatements>;
  /**
   * The tasks that have webhooks, read from the table on first use and kept in step with save and
   * delete: the sender asks on every task event (every token of a completion), almost always for a
   * task that has none, and this answers that without a query.
   */
  private withWebhooks: Set<string> | undefined;

  constructor(private readonly deps: PushStoreDeps) {
    this.statements = pushStatements(deps.orm);
  }

  async save(taskId: string, context: ServerCallContext, config: TaskPushNotificationConfig): Promise<void> {
    const refusal = await checkProviderEndpoint(config.url, this.deps.allowPrivateEndpoints);
    if (refusal) {
      throw new RequestMalformedError(
        `The webhook URL is refused (${refusal}): it must be http(s) and reach a public address.`,
      );
    }
    // The SDK reads the new id back from the object it passed in.
    if (!config.id) config.id = `push-${randomId(this.deps.rng, 8)}`;
    const scope = scopeOf(context);
    this.statements.upsert().run({
      ...scope,
      taskId,
      configId: config.id,
      config: TaskPushNotificationConfig.toJSON({ ...config, taskId }),
      wireVersion: context.requestedVersion,
      createdAt: new Date(this.deps.clock.now()),
    });
    this.tasksWithWebhooks().add(scopedKey(scope, taskId));
  }

  async load(taskId: string, context: ServerCallContext): Promise<TaskPushNotificationConfig[]> {
    return (await this.loadWithMetadata(taskId, context)).map((stored) => stored.config);
  }

  async loadWithMetadata(
    taskId: string,
    context: ServerCallContext,
  ): Promise<StoredPushNotificationConfig[]> {
    const scope = scopeOf(context);
    if (!this.tasksWithWebhooks().has(scopedKey(scope, taskId))) return [];
    return this.statements
      .ofTask()
      .all({ ...scope, taskId })
      .map((row) => ({
        config: TaskPushNotificationConfig.fromJSON(row.config),
        wireVersion: row.wireVersion,
      }));
  }

  /** Without a config id, deletes the config whose id is the task id (the v0.3 default), as the SDK does. */
  async delete(taskId: string, context: ServerCallContext, configId?: string): Promise<void> {
    const scope = scopeOf(context);
    this.statements.delete().run({ ...scope, taskId, configId: configId ?? taskId });
    if (!this.statements.ofTask().get({ ...scope, taskId }))
      this.tasksWithWebhooks().delete(scopedKey(scope, taskId));
  }

  private tasksWithWebhooks(): Set<string> {
    this.withWebhooks ??= new Set(
      this.statements
        .tasksWithConfigs()
        .all()
        .map((row) => scopedKey(row, row.taskId)),
    );
    return this.withWebhooks;
  }
}
