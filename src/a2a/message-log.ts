import { Message } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import { and, eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Clock } from '../shared/index.ts';
import { a2aMessages } from './tables.ts';
import { scopeOf } from './task-store.ts';

/** What a message id led to the first time it was seen: a task, or a direct reply. */
export type Seen = { taskId: string } | { reply: Message };

/**
 * Remembers every message id per caller, so a message sent twice (a retry after a lost answer) is
 * answered with what the first one started instead of running the skill again.
 */
export class MessageLog {
  constructor(
    private readonly orm: BetterSQLite3Database,
    private readonly clock: Clock,
  ) {}

  find(context: ServerCallContext, messageId: string): Seen | undefined {
    const { tenant, owner } = scopeOf(context);
    const row = this.orm
      .select()
      .from(a2aMessages)
      .where(
        and(
          eq(a2aMessages.tenant, tenant),
          eq(a2aMessages.owner, owner),
          eq(a2aMessages.messageId, messageId),
        ),
      )
      .get();
    if (row?.taskId) return { taskId: row.taskId };
    if (row?.reply) return { reply: Message.fromJSON(row.reply) };
    return undefined;
  }

  /** Recorded before the skill acts, so a crash after a side effect still finds the task. */
  recordTask(context: ServerCallContext, messageId: string, taskId: string): void {
    this.record(context, messageId, { taskId, reply: null });
  }

  recordReply(context: ServerCallContext, messageId: string, reply: Message): void {
    this.record(context, messageId, {
      taskId: null,
      reply: Message.toJSON(reply) as Record<string, unknown>,
    });
  }

  private record(
    context: ServerCallContext,
    messageId: string,
    outcome: { taskId: string | null; reply: Record<string, unknown> | null },
  ) {
    this.orm
      .insert(a2aMessages)
      .values({ ...scopeOf(context), messageId, ...outcome, receivedAt: new Date(this.clock.now()) })
      .onConflictDoNothing()
      .run();
  }
}
