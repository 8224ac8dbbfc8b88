import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface SignableRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * SigV4-signs a request for the `bedrock` service with the AWS SDK's own signer. Returns the
 * headers to send: the given ones plus `authorization`, `x-amz-date`, `x-amz-content-sha256`
 * (and `x-amz-security-token`). `host` is signed but not returned: the transport sets it from
 * the URL, to the same value.
 */
export async function signBedrockRequest(
  request: SignableRequest,
  region: string,
  credentials: AwsCredentials,
  signingDate?: Date,
): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({ service: 'bedrock', region, credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      // Already percent-encoded (model ids contain ':'); the signer encodes it once more, as AWS expects.
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      body: request.body,
    },
    signingDate ? { signingDate } : {},
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = value;
  }
  return headers;
}
