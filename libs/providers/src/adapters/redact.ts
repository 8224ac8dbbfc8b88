/** Patterns of credentials providers may echo back (whole or masked) in error messages. */
const CREDENTIAL_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_*.-]{3,}/g, // OpenAI, Anthropic (sk-ant-), OpenRouter (sk-or-), also masked forms
  /\bAIza[0-9A-Za-z_-]{10,}/g, // Google API keys
  /\b(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{10,}/g, // GitHub tokens
  /\b(?:AKIA|ASIA)[A-Z0-9]{12,}/g, // AWS access key ids
  /\bBearer\s+\S+/gi,
  /[A-Za-z0-9+/_=-]{32,}/g, // long base64-ish tokens: session tokens, secrets, signatures
];

/** Replaces the given secrets and anything that looks like a credential with `[redacted]`. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

/** A short, single-line, redacted excerpt of provider text, safe to show in an error message. */
export function safeExcerpt(
  text: string | undefined,
  secrets: ReadonlyArray<string | undefined>,
  max = 200,
): string | undefined {
  if (!text) return undefined;
  const oneLine = redactSecrets(text, secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine || undefined;
}
