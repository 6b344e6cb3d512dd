export { type RandomModel, writeRandomModel } from './model.ts';
export {
  type ModelPresetName,
  type RandomModelOptions,
  randomModelOptionsSchema,
  randomModelPresets,
} from './options.ts';
export { type GgufHeader, type GgufTensorInfo, readGgufHeader } from './reader.ts';
export { encodeValues, float32ToFloat16Bits, type GgmlType } from './tensor-encoding.ts';
export { buildVocabulary, chatMlTemplate, specialTokens, type Vocabulary } from './tokenizer.ts';
export { type GgufMetadata, type GgufValue, gguf } from './values.ts';
export { type GgufFile, type GgufTensor, type WrittenGguf, writeGguf } from './writer.ts';
