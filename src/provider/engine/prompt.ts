import { type ChatHistoryItem, type LlamaModel, resolveChatWrapper, type Token } from 'node-llama-cpp';
import type { ChatMessage, GenerationRequest } from './types.ts';

/**
 * Turns a request's prompt into tokens. Chat messages go through the model's chat template (node-llama-cpp
 * resolves it from `tokenizer.chat_template`: ChatML for Parley's generated models) and end with the
 * assistant's generation prompt; message text can never forge the template's special tokens. Raw text
 * is read with special tokens, as llama.cpp's server does, so a completion prompt may spell out a template.
 * Both start with BOS only where the model asks for it (`tokenizer.ggml.add_bos_token`): node-llama-cpp's
 * chat wrappers always put one first, llama.cpp's server (the other backend) does not, so neither do we.
 */
export function promptTokenizer(model: LlamaModel): (prompt: GenerationRequest['prompt']) => Token[] {
  const chatWrapper = resolveChatWrapper(model);
  const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  return (prompt) => {
    if ('text' in prompt) return [...(bos === null ? [] : [bos]), ...model.tokenize(prompt.text, true)];
    const chatHistory: ChatHistoryItem[] = [
      ...prompt.messages.map(historyItem),
      { type: 'model', response: [] },
    ];
    const tokens = chatWrapper.generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer);
    return bos === null && tokens[0] === model.tokens.bos ? tokens.slice(1) : tokens;
  };
}

function historyItem({ role, content }: ChatMessage): ChatHistoryItem {
  if (role === 'system' || role === 'developer') return { type: 'system', text: content };
  if (role === 'assistant') return { type: 'model', response: [content] };
  return { type: 'user', text: content };
}
