/**
 * Fake providers listen on 127.0.0.1 over plain http. The egress guard refuses both by default;
 * a test that talks to them allows exactly that, explicitly, for the systems it starts.
 * Returns a function that restores the previous environment.
 */
export function allowLoopbackEgress(): () => void {
  const saved = {
    EGRESS_ALLOW_HTTP: process.env.EGRESS_ALLOW_HTTP,
    EGRESS_ALLOW_CIDRS: process.env.EGRESS_ALLOW_CIDRS,
  };
  process.env.EGRESS_ALLOW_HTTP = 'true';
  process.env.EGRESS_ALLOW_CIDRS = '127.0.0.1/32';
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
