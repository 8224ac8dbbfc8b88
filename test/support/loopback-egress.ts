import { overrideEnv } from './env';

/**
 * Fake providers listen on 127.0.0.1 over plain http. The egress guard refuses both by default;
 * a test that talks to them allows exactly that, explicitly, for the systems it starts.
 * Returns a function that restores the previous environment.
 */
export function allowLoopbackEgress(): () => void {
  return overrideEnv({ EGRESS_ALLOW_HTTP: 'true', EGRESS_ALLOW_CIDRS: '127.0.0.1/32' });
}
