export * from './task-definition';
export * from './task-registry';
export * from './parse-answer-text';
export {
  extractionTask,
  extractionInputSchema,
  wrapCallerSchema,
  type ExtractionInput,
  type ExtractionResult,
} from './extraction.task';
export {
  classificationTask,
  classificationInputSchema,
  labelNames,
  MAX_LABELS,
  type ClassificationInput,
  type ClassificationResult,
} from './classification.task';
export {
  summarizationTask,
  summarizationInputSchema,
  countWords,
  MAX_SUMMARY_WORDS,
  type SummarizationInput,
  type SummarizationResult,
} from './summarization.task';
export { MAX_TEXT_CHARS } from './input-fields';
