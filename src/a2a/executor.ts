import { type Task, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
  type TaskStore,
} from '@a2a-js/sdk/server';
import type { ProtocolContext } from '../gateway/context.ts';
import type { Principal } from '../identity/index.ts';
import { AppError } from '../shared/index.ts';
import { baseUrlOf, principalOf } from './caller.ts';
import { a2aError } from './errors.ts';
import { dataPart, TaskSink, textPart } from './events.ts';
import type { MessageLog } from './message-log.ts';
import { pendingRequest, readSkillRequest, skillExamples, skillRequestJsonSchema } from './requests.ts';
import type { SkillRequest } from './schemas.ts';
import { runIdentity } from './skills/identity.ts';
import { runInference, runModels } from './skills/inference.ts';
import { runSettlement } from './skills/settlement.ts';
import type { SkillCall, SkillResult } from './skills/types.ts';
import { runVerification } from './skills/verification.ts';
import { runWallet } from './skills/wallet.ts';

export interface ExecutorDeps {
  context: ProtocolContext;
  tasks: TaskStore;
  messages: MessageLog;
}

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

/** Errors that mean "will not do this" (rejected) rather than "tried and failed" (failed). */
const refusals = new Set([400, 403, 501]);

/**
 * Parley as an A2A agent: reads the skill request a message carries, runs it on the real services
 * under the caller's delegation, and reports through the SDK's event bus: submitted → working →
 * completed | failed | rejected | canceled, or input-required while an inference waits for payment.
 */
export class ParleyAgentExecutor implements AgentExecutor {
  private readonly running = new Map<string, Running>();
  /** Context ids of tasks this process has worked on and that are not finished. */
  private readonly open = new Map<string, string>();

  constructor(private readonly deps: ExecutorDeps) {}

  async execute(request: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { clock, rng } = this.deps.context;
    const sink = new TaskSink(bus, request.taskId, request.contextId, clock, rng);
    const message = request.userMessage;
    const principal = principalOf(request.context);
    if (request.task) return this.continueTask(request, sink, principal, request.task);

    const read = readSkillRequest(message);
    if (read.kind === 'unclear') {
      const reply = { ...sink.message(helpParts(read.text)), taskId: '' };
      this.deps.messages.recordReply(request.context, message.messageId, reply);
      bus.publish(AgentEvent.message(reply));
      return;
    }
    const task: Task = {
      id: request.taskId,
      contextId: request.contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: sink.now() },
      artifacts: [],
      history: [message],
      metadata: read.kind === 'skill' ? { skill: read.request.skill, action: read.request.action } : {},
    };
    // The task and the message id are durable before any skill acts: a retry finds them.
    this.deps.messages.recordTask(request.context, message.messageId, task.id);
    await this.deps.tasks.save(task, request.context);
    sink.task(task);
    if (read.kind === 'invalid') {
      const error = a2aError('SKILL_REQUEST_INVALID', { issues: read.issues });
      sink.status(TaskState.TASK_STATE_REJECTED, error.message, { data: error.toBody() });
      return;
    }
    await this.run(request, sink, principal, read.request);
  }

  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    const running = this.running.get(taskId);
    if (running) {
      running.abort.abort();
      await running.done;
      return;
    }
    const { clock, rng } = this.deps.context;
    const sink = new TaskSink(bus, taskId, this.open.get(taskId) ?? '', clock, rng);
    this.open.delete(taskId);
    sink.status(TaskState.TASK_STATE_CANCELED, 'Canceled by the client.');
  }

  /** A message on an existing task: a payment for a parked inference, or a note to work in progress. */
  private async continueTask(request: RequestContext, sink: TaskSink, principal: Principal, task: Task) {
    this.deps.messages.recordTask(request.context, request.userMessage.messageId, task.id);
    sink.task(task);
    // A message to a task that is working joins it: the caller gets the task's own outcome.
    if (this.running.has(task.id)) return;
    const pending = pendingRequest(task, request.userMessage);
    if (!pending) {
      sink.status(TaskState.TASK_STATE_REJECTED, 'Nothing in this task waits for input.');
      return;
    }
    await this.run(request, sink, principal, pending);
  }

  private async run(request: RequestContext, sink: TaskSink, principal: Principal, skill: SkillRequest) {
    const abort = new AbortController();
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.running.set(sink.taskId, { abort, done });
    this.open.set(sink.taskId, sink.contextId);
    const call: SkillCall = { context: this.deps.context, principal };
    try {
      sink.status(TaskState.TASK_STATE_WORKING, `Working on ${skill.skill}.${skill.action}.`);
      if (skill.skill === 'inference' && skill.action !== 'models') {
        await runInference({
          ...call,
          request: skill,
          message: request.userMessage,
          sink,
          signal: abort.signal,
          resourceUrl: `${baseUrlOf(request.context)}/a2a`,
        });
      } else {
        const result = runSkill(call, skill);
        sink.artifact({
          artifactId: sink.newId('result'),
          name: result.name,
          parts: [dataPart(result.data)],
        });
        sink.status(TaskState.TASK_STATE_COMPLETED, result.summary);
      }
    } catch (error) {
      if (abort.signal.aborted) sink.status(TaskState.TASK_STATE_CANCELED, 'Canceled by the client.');
      else fail(sink, error);
    } finally {
      this.running.delete(sink.taskId);
      if (sink.lastState !== TaskState.TASK_STATE_INPUT_REQUIRED) this.open.delete(sink.taskId);
      finish();
    }
  }
}

function runSkill(call: SkillCall, request: SkillRequest): SkillResult {
  switch (request.skill) {
    case 'wallet':
      return runWallet(call, request);
    case 'identity':
      return runIdentity(call, request);
    case 'settlement':
      return runSettlement(call, request);
    case 'verification':
      return runVerification(call, request);
    case 'inference':
      if (request.action === 'models') return runModels(call, request);
      throw new Error('streamed inference runs through runInference');
  }
}

/** Ends a task with the error in Parley's error shape: rejected when refused, failed otherwise. */
function fail(sink: TaskSink, error: unknown) {
  const known = error instanceof AppError ? error : a2aError('INTERNAL_ERROR');
  const state = refusals.has(known.status) ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_FAILED;
  sink.status(state, known.message, { data: known.toBody() });
}

function helpParts(text: string) {
  return [
    textPart(
      `I did not understand ${text ? JSON.stringify(text.slice(0, 200)) : 'this message'}. ` +
        'Send a data part {"skill": …, "action": …} for one of my skills (wallet, identity, inference, settlement, verification), ' +
        'or one of the text commands: balances, models, resolve <did>, whois <did>, channel <id>.',
    ),
    dataPart({ examples: skillExamples, schema: skillRequestJsonSchema() }),
  ];
}
