import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import { TaskState } from '@a2a-js/sdk';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import type { MessageLog } from './message-log.ts';
import { scopedKey, scopeOf } from './task-store.ts';

const settled: readonly TaskState[] = [
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_INPUT_REQUIRED,
];

/**
 * The SDK's request handler with idempotent message ids: a message id the caller already sent is
 * answered with what it started (the task as it is now, or the direct reply), never run again. The
 * executor records each id durably before acting; concurrent duplicates in this process wait for
 * the first.
 */
export class IdempotentRequestHandler implements A2ARequestHandler {
  private readonly inFlight = new Map<string, Promise<Message | Task | undefined>>();

  constructor(
    private readonly inner: A2ARequestHandler,
    private readonly messages: MessageLog,
  ) {}

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const messageId = params.message?.messageId;
    if (!messageId) return this.inner.sendMessage(params, context);
    const key = this.keyOf(context, messageId);
    const pending = this.inFlight.get(key);
    if (pending) {
      const first = await pending.catch(() => undefined);
      return (
        (await this.replay(params, context, messageId)) ?? first ?? this.inner.sendMessage(params, context)
      );
    }
    // Registered before the first await, so a concurrent duplicate always finds it.
    const first = (async () =>
      (await this.replay(params, context, messageId)) ?? this.inner.sendMessage(params, context))();
    this.inFlight.set(key, first);
    try {
      return await first;
    } finally {
      if (this.inFlight.get(key) === first) this.inFlight.delete(key);
    }
  }

  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const messageId = params.message?.messageId;
    if (!messageId) {
      yield* this.inner.sendMessageStream(params, context);
      return;
    }
    const key = this.keyOf(context, messageId);
    await this.inFlight.get(key)?.catch(() => undefined);
    const seen = this.messages.find(context, messageId);
    if (!seen) {
      yield* this.firstStream(key, params, context);
      return;
    }
    if ('reply' in seen) {
      yield { payload: { $case: 'message', value: seen.reply } };
      return;
    }
    const task = await this.inner.getTask(
      { tenant: params.tenant, id: seen.taskId, historyLength: params.configuration?.historyLength },
      context,
    );
    if (task.status && settled.includes(task.status.state)) {
      yield { payload: { $case: 'task', value: task } };
      return;
    }
    // Still working: follow it as a resubscription does.
    yield* this.inner.resubscribe({ tenant: params.tenant, id: seen.taskId }, context);
  }

  /** A first stream counts as in flight until its first event, when the executor has recorded it. */
  private async *firstStream(
    key: string,
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    let started = (_first: Message | Task | undefined) => {};
    const first = new Promise<Message | Task | undefined>((resolve) => {
      started = resolve;
    });
    this.inFlight.set(key, first);
    try {
      for await (const event of this.inner.sendMessageStream(params, context)) {
        const payload = event.payload;
        started(payload?.$case === 'task' || payload?.$case === 'message' ? payload.value : undefined);
        yield event;
      }
    } finally {
      started(undefined);
      if (this.inFlight.get(key) === first) this.inFlight.delete(key);
    }
  }

  /** What an already-seen message led to, shaped as the first answer was; undefined if unseen. */
  private async replay(
    params: SendMessageRequest,
    context: ServerCallContext,
    messageId: string,
  ): Promise<Message | Task | undefined> {
    const seen = this.messages.find(context, messageId);
    if (!seen) return undefined;
    if ('reply' in seen) return seen.reply;
    return this.inner.getTask(
      { tenant: params.tenant, id: seen.taskId, historyLength: params.configuration?.historyLength },
      context,
    );
  }

  private keyOf(context: ServerCallContext, messageId: string): string {
    return scopedKey(scopeOf(context), messageId);
  }

  getAgentCard(): Promise<AgentCard> {
    return this.inner.getAgentCard();
  }

  getAuthenticatedExtendedAgentCard(
    params: GetExtendedAgentCardRequest,
    context: ServerCallContext,
  ): Promise<AgentCard> {
    return this.inner.getAuthenticatedExtendedAgentCard(params, context);
  }

  getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.inner.getTask(params, context);
  }

  cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return this.inner.cancelTask(params, context);
  }

  listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    return this.inner.listTasks(params, context);
  }

  createTaskPushNotificationConfig(
    params: TaskPushNotificationConfig,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    return this.inner.createTaskPushNotificationConfig(params, context);
  }

  getTaskPushNotificationConfig(
    params: GetTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    return this.inner.getTaskPushNotificationConfig(params, context);
  }

  listTaskPushNotificationConfigs(
    params: ListTaskPushNotificationConfigsRequest,
    context: ServerCallContext,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.inner.listTaskPushNotificationConfigs(params, context);
  }

  deleteTaskPushNotificationConfig(
    params: DeleteTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<void> {
    return this.inner.deleteTaskPushNotificationConfig(params, context);
  }

  resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    return this.inner.resubscribe(params, context);
  }
}
