import { AnthropicAdapter } from './anthropic/anthropic.adapter';
import { BedrockAdapter } from './bedrock/bedrock.adapter';
import { GeminiAdapter } from './gemini/gemini.adapter';
import { OllamaAdapter } from './ollama/ollama.adapter';
import { AzureOpenAIAdapter } from './openai-chat/azure-openai.adapter';
import { GitHubModelsAdapter } from './openai-chat/github-models.adapter';
import { OpenAICompatibleAdapter } from './openai-chat/openai-compatible.adapter';
import { OpenAIAdapter } from './openai-chat/openai.adapter';
import { OpenRouterAdapter } from './openai-chat/openrouter.adapter';

export { HTTP_TRANSPORT, type HttpTransport } from './http-transport';
export { ADAPTER_SETTINGS_SCHEMAS, BASE_URL_REQUIRED } from './settings-schemas';

/** Every network adapter (the built-in MockAdapter lives in ../mock), one per kind. */
export const ALL_ADAPTERS = [
  OpenAIAdapter,
  AzureOpenAIAdapter,
  AnthropicAdapter,
  GeminiAdapter,
  BedrockAdapter,
  OllamaAdapter,
  OpenRouterAdapter,
  GitHubModelsAdapter,
  OpenAICompatibleAdapter,
] as const;
