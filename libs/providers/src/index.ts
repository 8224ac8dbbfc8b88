export * from './completion';
export * from './provider-error';
export * from './mock';
