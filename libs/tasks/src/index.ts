export * from './task-definition';
export * from './task-registry';
export * from './parse-answer-text';
