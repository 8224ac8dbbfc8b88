export * from './fake-server';
export * from './fake-openai.server';
export * from './fake-anthropic.server';
export * from './fake-gemini.server';
export * from './fake-bedrock.server';
export * from './fake-ollama.server';
export * from './loopback-transport';
export * from './adapter-test-kit';
