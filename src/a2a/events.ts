import { type Artifact, type Message, type Part, Role, type Task, TaskState } from '@a2a-js/sdk';
import { AgentEvent, type ExecutionEventBus } from '@a2a-js/sdk/server';
import { type Clock, type Rng, randomId } from '../shared/index.ts';

export const textPart = (text: string): Part => ({
  content: { $case: 'text', value: text },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});

export const dataPart = (data: unknown): Part => ({
  content: { $case: 'data', value: data },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});

export type Metadata = Record<string, unknown>;

/** How a task reports progress: status changes and artifacts, as SDK events on the task's bus. */
export class TaskSink {
  /** The last state reported, so the executor knows whether the task is parked or finished. */
  lastState: TaskState | undefined;

  constructor(
    private readonly bus: ExecutionEventBus,
    readonly taskId: string,
    readonly contextId: string,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {}

  newId(prefix: string): string {
    return `${prefix}-${randomId(this.rng, 8)}`;
  }

  now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** An agent message in this task's context (status messages, direct replies). */
  message(parts: Part[], metadata?: Metadata): Message {
    return {
      messageId: this.newId('msg'),
      contextId: this.contextId,
      taskId: this.taskId,
      role: Role.ROLE_AGENT,
      parts,
      metadata,
      extensions: [],
      referenceTaskIds: [],
    };
  }

  task(task: Task): void {
    this.bus.publish(AgentEvent.task(task));
  }

  status(state: TaskState, text: string, options: { data?: unknown; metadata?: Metadata } = {}): void {
    const parts = [textPart(text), ...(options.data !== undefined ? [dataPart(options.data)] : [])];
    this.lastState = state;
    this.bus.publish(
      AgentEvent.statusUpdate({
        taskId: this.taskId,
        contextId: this.contextId,
        status: { state, message: this.message(parts, options.metadata), timestamp: this.now() },
        metadata: undefined,
      }),
    );
  }

  artifact(
    artifact: { artifactId: string; name: string; parts: Part[]; metadata?: Metadata; description?: string },
    chunk: { append: boolean; lastChunk: boolean } = { append: false, lastChunk: true },
  ): void {
    const full: Artifact = {
      artifactId: artifact.artifactId,
      name: artifact.name,
      description: artifact.description ?? '',
      parts: artifact.parts,
      metadata: artifact.metadata,
      extensions: [],
    };
    this.bus.publish(
      AgentEvent.artifactUpdate({
        taskId: this.taskId,
        contextId: this.contextId,
        artifact: full,
        append: chunk.append,
        lastChunk: chunk.lastChunk,
        metadata: undefined,
      }),
    );
  }
}

export const terminalStates: readonly TaskState[] = [
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
];
