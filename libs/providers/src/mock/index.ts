export * from './mock.adapter';
export * from './mock-settings';
