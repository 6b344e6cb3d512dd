import { Message } from '@a2a-js/sdk';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Clock } from '../shared/index.ts';
import { messageStatements } from './statements.ts';
import { scopeOf } from './task-store.ts';

/** What a message id led to the first time it was seen: a task, or a direct reply. */
export type Seen = { taskId: string } | { reply: Message };

/**
 * Remembers every message id per caller, so a message sent twice (a retry after a lost answer) is
 * answered with what the first one started instead of running the skill again.
 */
export class MessageLog {
  private readonly statements: ReturnType<typeof messageStatements>;

  constructor(
    orm: BetterSQLite3Database,
    private readonly clock: Clock,
  ) {
    this.statements = messageStatements(orm);
  }

  find(context: ServerCallContext, messageId: string): Seen | undefined {
    const row = this.statements.byId().get({ ...scopeOf(context), messageId });
    if (row?.taskId) return { taskId: row.taskId };
    if (row?.reply) return { reply: Message.fromJSON(row.reply) };
    return undefined;
  }

  /** Recorded before the skill acts, so a crash after a side effect still finds the task. */
  recordTask(context: ServerCallContext, messageId: string, taskId: string): void {
    this.record(context, messageId, { taskId, reply: null });
  }

  recordReply(context: ServerCallContext, messageId: string, reply: Message): void {
    this.record(context, messageId, { taskId: null, reply: JSON.stringify(Message.toJSON(reply)) });
  }

  private record(
    context: ServerCallContext,
    messageId: string,
    outcome: { taskId: string | null; reply: string | null },
  ) {
    this.statements
      .insert()
      .run({ ...scopeOf(context), messageId, ...outcome, receivedAt: new Date(this.clock.now()) });
  }
}
