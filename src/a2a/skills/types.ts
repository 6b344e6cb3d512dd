import type { ProtocolContext } from '../../gateway/context.ts';
import type { Principal } from '../../identity/index.ts';
import type { SkillRequest } from '../schemas.ts';

/** Who asks, and the services a skill acts on: the same ones the HTTP routes use. */
export interface SkillCall {
  context: ProtocolContext;
  principal: Principal;
}

/** What a one-shot skill answers: an artifact (`name`, JSON `data`) and a line for the status. */
export interface SkillResult {
  name: string;
  summary: string;
  data: unknown;
}

export type RequestOf<Skill extends SkillRequest['skill']> = Extract<SkillRequest, { skill: Skill }>;
